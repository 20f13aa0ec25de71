import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { loadBridgeConfig } from '#app/config';
import { buildDataSourceOptions } from '#app/database';
import { AUDIT_EVENT_COLUMNS, AuditChainHead, AuditEvent } from './audit-event.entity.js';

/** AUDIT_EVENT_COLUMNS is written once; the migrations that created the table are history, so this holds the two together. */
describe('audit_event: the column list and the migrated table', () => {
  let ds: DataSource;

  beforeAll(async () => {
    ds = await new DataSource(buildDataSourceOptions(loadBridgeConfig({ SQLITE_PATH: ':memory:' }).database, [AuditEvent, AuditChainHead])).initialize();
    await ds.runMigrations();
  });
  afterAll(() => ds?.destroy());

  it('names every column of the table, in the table order, with its type and nullability', async () => {
    const table = await ds.query<{ name: string; type: string; notnull: number }[]>(
      'SELECT name, type, "notnull" FROM pragma_table_info(\'audit_event\') ORDER BY cid',
    );
    const listed = Object.values(AUDIT_EVENT_COLUMNS).map((c) => ({
      name: c.name,
      type: 'length' in c ? `${c.type}(${c.length})` : c.type,
      notnull: 'nullable' in c && c.nullable ? 0 : 1,
    }));
    expect(listed).toEqual(table.map((c) => ({ ...c, type: c.type.toLowerCase() })));
  });

  it('is the entity TypeORM maps', () => {
    const columns = ds.getMetadata(AuditEvent).columns;
    expect(columns.map((c) => [c.propertyName, c.databaseName])).toEqual(Object.entries(AUDIT_EVENT_COLUMNS).map(([field, c]) => [field, c.name]));
    expect(columns.filter((c) => c.isPrimary).map((c) => c.databaseName)).toEqual(['seq']);
  });
});
