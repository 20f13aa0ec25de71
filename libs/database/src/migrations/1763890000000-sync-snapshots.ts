import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { Columns } from '../portable.js';

/**
 * Sync runs and versioned snapshots. Users and departments are stored as versions valid from one
 * snapshot until another (`to_snapshot` NULL = still valid), so a snapshot costs rows in
 * proportion to what changed. `person` and `department` give stable numbers and hold the
 * published view (with removed people kept as `deleted`) for the query API.
 */
export class SyncSnapshots1763890000000 implements MigrationInterface {
  name = 'SyncSnapshots1763890000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = new Columns(queryRunner);
    const omflowUserColumns = (ci: boolean) => [
      c.string('username', 191, { ci }),
      c.string('email', 254, { nullable: true, ci }),
      c.string('nick_name', 191, { nullable: true, ci }),
      c.string('ad_no', 191, { nullable: true, ci }),
      c.string('company', 191, { nullable: true, ci }),
      c.string('phone1', 64, { nullable: true, ci }),
      c.string('phone2', 64, { nullable: true, ci }),
      c.string('extension_no', 64, { nullable: true, ci }),
      c.string('gender', 16, { nullable: true, ci }),
      c.text('groups_json'),
      c.string('default_group', 191, { nullable: true, ci }),
      c.string('source_id', 191),
    ];

    await queryRunner.createTable(
      new Table({
        name: 'sync_run',
        columns: [
          c.id(),
          c.string('status', 16),
          c.string('trigger_kind', 16),
          c.bool('dry_run', false),
          c.string('requested_by', 64, { nullable: true }),
          c.string('source', 255),
          c.string('instance_id', 64),
          c.datetime('started_at'),
          c.datetime('finished_at', { nullable: true }),
          c.int('snapshot_id', { nullable: true }),
          c.int('base_snapshot_id', { nullable: true }),
          c.text('phases_json'),
          c.text('counts_json'),
          c.int('finding_count', { default: 0 }),
          c.text('findings_json'),
          c.text('diff_json', { nullable: true }),
          c.text('hold_json', { nullable: true }),
          c.text('error', { nullable: true }),
          c.string('decided_by', 64, { nullable: true }),
          c.datetime('decided_at', { nullable: true }),
          c.text('decision_json', { nullable: true }),
        ],
      }),
    );
    await queryRunner.createIndex('sync_run', new TableIndex({ name: 'ix_sync_run_status', columnNames: ['status'] }));

    await queryRunner.createTable(
      new Table({
        name: 'snapshot',
        columns: [
          c.column({ ...c.int('id'), isPrimary: true }),
          c.int('run_id', { nullable: true }),
          c.int('parent_id', { nullable: true }),
          c.datetime('created_at'),
          c.int('user_count'),
          c.int('group_count'),
          c.int('changed_rows'),
          c.datetime('published_at', { nullable: true }),
          c.string('note', 255, { nullable: true }),
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'person',
        columns: [
          c.column({ ...c.int('id'), isPrimary: true }),
          c.string('user_key', 191),
          c.string('state', 10, { default: 'pending' }),
          ...omflowUserColumns(true),
          c.datetime('last_login', { nullable: true }),
          c.datetime('first_seen_at'),
          c.datetime('updated_at'),
        ],
      }),
    );
    await queryRunner.createIndices('person', [
      new TableIndex({ name: 'uq_person_user_key', columnNames: ['user_key'], isUnique: true }),
      new TableIndex({ name: 'ix_person_username', columnNames: ['username'] }),
      new TableIndex({ name: 'ix_person_email', columnNames: ['email'] }),
      new TableIndex({ name: 'ix_person_ad_no', columnNames: ['ad_no'] }),
      new TableIndex({ name: 'ix_person_state', columnNames: ['state'] }),
    ]);

    // Published memberships (person ↔ department code), kept in step with `person` at publish.
    await queryRunner.createTable(
      new Table({
        name: 'person_group',
        columns: [c.column({ ...c.int('person_id'), isPrimary: true }), c.string('group_no', 191, { primary: true, ci: true }), c.bool('is_default', false)],
      }),
    );
    await queryRunner.createIndex('person_group', new TableIndex({ name: 'ix_person_group_group_no', columnNames: ['group_no'] }));

    await queryRunner.createTable(
      new Table({
        name: 'user_version',
        columns: [
          c.id(),
          c.int('person_id'),
          c.int('from_snapshot'),
          c.int('to_snapshot', { nullable: true }),
          c.string('hash', 64),
          ...omflowUserColumns(false),
        ],
      }),
    );
    await queryRunner.createIndices('user_version', [
      new TableIndex({ name: 'ix_user_version_to', columnNames: ['to_snapshot'] }),
      new TableIndex({ name: 'ix_user_version_from', columnNames: ['from_snapshot'] }),
      new TableIndex({ name: 'ix_user_version_person', columnNames: ['person_id'] }),
    ]);

    await queryRunner.createTable(
      new Table({
        name: 'department',
        columns: [
          c.column({ ...c.int('id'), isPrimary: true }),
          c.string('group_no', 191, { ci: true }),
          c.string('state', 10, { default: 'pending' }),
          c.string('display_name', 191, { nullable: true, ci: true }),
          c.string('parent_group_no', 191, { nullable: true, ci: true }),
          c.datetime('first_seen_at'),
          c.datetime('updated_at'),
        ],
      }),
    );
    await queryRunner.createIndices('department', [
      new TableIndex({ name: 'uq_department_group_no', columnNames: ['group_no'], isUnique: true }),
      new TableIndex({ name: 'ix_department_display_name', columnNames: ['display_name'] }),
    ]);

    await queryRunner.createTable(
      new Table({
        name: 'group_version',
        columns: [
          c.id(),
          c.int('department_id'),
          c.int('from_snapshot'),
          c.int('to_snapshot', { nullable: true }),
          c.string('hash', 64),
          c.string('group_no', 191),
          c.string('display_name', 191),
          c.string('parent_group_no', 191, { nullable: true }),
        ],
      }),
    );
    await queryRunner.createIndices('group_version', [
      new TableIndex({ name: 'ix_group_version_to', columnNames: ['to_snapshot'] }),
      new TableIndex({ name: 'ix_group_version_from', columnNames: ['from_snapshot'] }),
    ]);

    await queryRunner.createTable(
      new Table({
        name: 'sync_state',
        columns: [
          c.column({ ...c.int('id'), isPrimary: true }),
          c.int('published_snapshot_id', { nullable: true }),
          c.datetime('published_at', { nullable: true }),
          c.string('payload_etag', 64, { nullable: true }),
          c.int('payload_bytes', { nullable: true }),
          c.int('payload_chunks', { nullable: true }),
          c.datetime('last_pull_at', { nullable: true }),
          c.string('last_pull_client', 64, { nullable: true }),
          c.int('last_pull_snapshot_id', { nullable: true }),
        ],
      }),
    );
    await queryRunner.query('INSERT INTO sync_state (id) VALUES (1)');

    await queryRunner.createTable(
      new Table({
        name: 'sync_payload_chunk',
        columns: [c.column({ ...c.int('snapshot_id'), isPrimary: true }), c.column({ ...c.int('seq'), isPrimary: true }), c.blob('data')],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'sync_lock',
        columns: [c.string('name', 32, { primary: true }), c.string('holder', 64, { nullable: true }), c.bigint('expires_at', { default: 0 })],
      }),
    );
    await queryRunner.query("INSERT INTO sync_lock (name, holder, expires_at) VALUES ('sync', NULL, 0)");

    await queryRunner.createTable(
      new Table({
        name: 'username_override',
        columns: [
          c.string('user_key', 191, { primary: true }),
          c.string('username', 191),
          c.string('decided_by', 64, { nullable: true }),
          c.datetime('decided_at'),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'username_override',
      'sync_lock',
      'sync_payload_chunk',
      'sync_state',
      'group_version',
      'department',
      'user_version',
      'person_group',
      'person',
      'snapshot',
      'sync_run',
    ]) {
      await queryRunner.dropTable(table);
    }
  }
}
