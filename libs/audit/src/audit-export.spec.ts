import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from './audit-event.entity.js';
import { CSV_HEADER, csvLine, exportChunks, toEventJson } from './audit-export.js';

/** Two events as read back from the table: one with a target, one without (and with CSV-hostile text). */
const events = [
  {
    seq: 7,
    occurredAt: new Date('2026-01-02T03:04:05.678Z'),
    actorKind: 'admin',
    actorId: 'admin',
    action: 'access.client.revoked',
    targetType: 'api_client',
    targetId: 'tool-1',
    outcome: 'success',
    requestId: 'req-1',
    sourceIp: '127.0.0.1',
    details: '{"after":{"revokedAt":"2026-01-02T03:04:05.678Z"}}',
    prevHash: 'a'.repeat(64),
    hash: 'b'.repeat(64),
    keyId: 'k1',
  },
  {
    seq: 8,
    occurredAt: new Date('2026-01-02T03:04:06.000Z'),
    actorKind: 'system',
    actorId: null,
    action: '=cmd,"x"',
    targetType: null,
    targetId: null,
    outcome: 'failure',
    requestId: null,
    sourceIp: null,
    details: '{}',
    prevHash: 'b'.repeat(64),
    hash: 'c'.repeat(64),
    keyId: null,
  },
] satisfies AuditEvent[];

async function text(format: 'csv' | 'ndjson'): Promise<string> {
  let out = '';
  for await (const chunk of exportChunks(Readable.from([events]), format)) out += chunk;
  return out;
}

/** The export and archive formats, byte for byte: auditors' tools and archived files depend on them. */
describe('audit export formats', () => {
  it('writes the CSV header and rows', async () => {
    expect(CSV_HEADER).toBe('seq,time,actor_kind,actor_id,action,target_type,target_id,outcome,request_id,source_ip,details,prev_hash,hash,key_id\r\n');
    expect(csvLine(events[0])).toBe(
      `7,2026-01-02T03:04:05.678Z,admin,admin,access.client.revoked,api_client,tool-1,success,req-1,127.0.0.1,"{""after"":{""revokedAt"":""2026-01-02T03:04:05.678Z""}}",${'a'.repeat(64)},${'b'.repeat(64)},k1\r\n`,
    );
    expect(await text('csv')).toBe(
      `${CSV_HEADER}${csvLine(events[0])}8,2026-01-02T03:04:06.000Z,system,,"'=cmd,""x""",,,failure,,,{},${'b'.repeat(64)},${'c'.repeat(64)},\r\n`,
    );
  });

  it('writes the JSON of an event (review API, NDJSON export, archives) with its keys in order', async () => {
    expect(JSON.stringify(toEventJson(events[0]))).toBe(
      `{"seq":7,"time":"2026-01-02T03:04:05.678Z","actor":{"kind":"admin","id":"admin"},"action":"access.client.revoked","target":{"type":"api_client","id":"tool-1"},"outcome":"success","requestId":"req-1","sourceIp":"127.0.0.1","details":{"after":{"revokedAt":"2026-01-02T03:04:05.678Z"}},"prevHash":"${'a'.repeat(64)}","hash":"${'b'.repeat(64)}","keyId":"k1"}`,
    );
    expect(JSON.stringify(toEventJson(events[1]))).toBe(
      `{"seq":8,"time":"2026-01-02T03:04:06.000Z","actor":{"kind":"system","id":null},"action":"=cmd,\\"x\\"","target":null,"outcome":"failure","requestId":null,"sourceIp":null,"details":{},"prevHash":"${'b'.repeat(64)}","hash":"${'c'.repeat(64)}","keyId":null}`,
    );
    expect(await text('ndjson')).toBe(events.map((e) => `${JSON.stringify(toEventJson(e))}\n`).join(''));
  });
});
