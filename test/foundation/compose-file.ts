/**
 * Reads the services of docker-compose.yml for the compose tests, without a compose engine (none
 * on the CI machine) or a YAML library: the file keeps to a small, regular subset (two-space
 * indents; `key: value`, `key: [a, b]`, `- item` lists), which this reads.
 */
export interface ComposeService {
  name: string;
  /** The service's lines (its key line excluded), as written. */
  text: string;
  profiles: string[];
  command: string[] | null;
  environment: Record<string, string>;
  /** `published:container` as written. */
  ports: string[];
  /** depends_on: service → condition. */
  dependsOn: Record<string, string>;
  /** The URL the healthcheck fetches, when it is a `fetch('...')` of node. */
  healthUrl: string | null;
}

const unquote = (v: string): string =>
  v
    .trim()
    .replace(/^'(.*)'$/, '$1')
    .replace(/^"(.*)"$/, '$1');
const inlineList = (v: string): string[] =>
  v
    .trim()
    .replace(/^\[|\]$/g, '')
    .split(/,(?=(?:[^'"]*['"][^'"]*['"])*[^'"]*$)/)
    .map(unquote)
    .filter((x) => x !== '');

/** The services of a compose file's text, by name. */
export function composeServices(text: string): Map<string, ComposeService> {
  const lines = text.split('\n');
  const start = lines.indexOf('services:');
  const out = new Map<string, ComposeService>();
  let i = start + 1;
  while (i < lines.length && !/^\S/.test(lines[i])) {
    const head = /^ {2}([a-z0-9-]+):\s*$/.exec(lines[i]);
    i += 1;
    if (!head) continue;
    const body: string[] = [];
    while (i < lines.length && !/^ {0,2}\S/.test(lines[i])) body.push(lines[i++]);
    out.set(head[1], parseService(head[1], body));
  }
  return out;
}

function parseService(name: string, body: string[]): ComposeService {
  const service: ComposeService = { name, text: body.join('\n'), profiles: [], command: null, environment: {}, ports: [], dependsOn: {}, healthUrl: null };
  let section = '';
  let dependency = '';
  for (const line of body) {
    if (/^\s*(#.*)?$/.test(line)) continue;
    const top = /^ {4}([a-z_]+):\s*(.*)$/.exec(line);
    if (top) {
      section = top[1];
      if (section === 'profiles') service.profiles = inlineList(top[2]);
      if (section === 'command') service.command = inlineList(top[2]);
      continue;
    }
    const entry = /^ {6}([A-Za-z0-9_-]+):\s*(.*)$/.exec(line);
    const item = /^ {6}- (.*)$/.exec(line);
    if (section === 'environment' && entry) service.environment[entry[1]] = unquote(entry[2]);
    else if (section === 'ports' && item) service.ports.push(unquote(item[1]));
    else if (section === 'depends_on' && entry) dependency = entry[1];
    else if (section === 'depends_on' && dependency) {
      const condition = /^ {8}condition:\s*(\S+)/.exec(line);
      if (condition) service.dependsOn[dependency] = condition[1];
    } else if (section === 'healthcheck' && entry?.[1] === 'test') service.healthUrl = /fetch\('([^']+)'\)/.exec(entry[2])?.[1] ?? null;
  }
  return service;
}
