import { Ajv, type ValidateFunction } from 'ajv';
import formats from 'ajv-formats';
import type { RawAnswer } from './raw-http.js';
import type { Schema } from './schema-arbitraries.js';

export interface MediaType {
  schema?: Schema;
  examples?: Record<string, { value: unknown }>;
}

export interface ResponseObject {
  description?: string;
  content?: Record<string, MediaType>;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}

export interface Operation {
  operationId?: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, MediaType> };
  responses: Record<string, ResponseObject>;
  security?: Record<string, string[]>[];
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; securitySchemes?: Record<string, unknown> };
}

/**
 * OpenAPI 3.0's `nullable` as JSON Schema: `{…, nullable: true}` becomes `anyOf: [{…}, null]`,
 * and references point into the document registered under the id `doc`.
 */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string') out.$ref = value.startsWith('#/') ? `doc${value}` : value;
    else if (key === 'example' || key === 'examples') continue;
    else out[key] = key === 'properties' ? Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, toJsonSchema(v)])) : toJsonSchema(value);
  }
  if (out.nullable === true) {
    delete out.nullable;
    return { anyOf: [out, { type: 'null' }] };
  }
  delete out.nullable;
  return out;
}

/**
 * Checks answers against the document: the status must be one the operation documents (a
 * `default` response does not count), and the body must match the schema documented for that
 * status and content type.
 */
export class AnswerContract {
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly doc: OpenApiDocument) {
    this.ajv = new Ajv({ strict: false, allErrors: false, validateFormats: true });
    // ajv-formats is CommonJS: its plugin is the module itself under Node, `.default` for the type checker.
    (formats as unknown as { default: (ajv: Ajv) => void }).default(this.ajv);
    this.ajv.addFormat('password', true);
    this.ajv.addSchema({ $id: 'doc', components: toJsonSchema(doc.components) as object });
  }

  /** What is wrong with `answer` as an answer of `method path`; empty when nothing is. */
  check(method: string, path: string, answer: RawAnswer): string[] {
    const op = this.doc.paths[path]?.[method];
    if (!op) return [`${method.toUpperCase()} ${path} is not in the document`];
    const documented = op.responses[String(answer.status)];
    if (!documented) return [`status ${answer.status} is not documented (documented: ${Object.keys(op.responses).join(', ')})`];
    const contentType = String(answer.headers['content-type'] ?? '')
      .split(';')[0]
      .trim()
      .toLowerCase();
    if (!documented.content) {
      return answer.text.length && answer.status !== 304 ? [`status ${answer.status} is documented without a body, but one came (${contentType})`] : [];
    }
    const media = documented.content[contentType];
    if (!media) return [`status ${answer.status} answered ${contentType || 'no content type'}, documented: ${Object.keys(documented.content).join(', ')}`];
    if (!media.schema || contentType !== 'application/json') return [];
    if (answer.json === undefined) return [`status ${answer.status} declares JSON but the body is not JSON: ${answer.text.slice(0, 120)}`];
    const key = `${method} ${path} ${answer.status}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(toJsonSchema(media.schema) as object);
      this.compiled.set(key, validate);
    }
    if (validate(answer.json)) return [];
    const errors = (validate.errors ?? [])
      .slice(0, 3)
      .map((e) => `${e.instancePath || '(body)'} ${e.message ?? ''}`)
      .join('; ');
    return [`status ${answer.status} body does not match its schema: ${errors}`];
  }
}
