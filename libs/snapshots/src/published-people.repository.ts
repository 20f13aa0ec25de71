import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { DirectSql, toSqlDateTime } from '#app/database';
import { TextKeys } from './text-keys.js';

/** Someone holding a username in the published view: their stable number, and whether they are active now. */
export interface PublishedPerson {
  id: number;
  active: boolean;
  /**
   * Missing from the directory, their removal from `/sync` waiting out the deletion grace window
   * (or due): they may not log in meanwhile. False once an operator cancelled the removal.
   */
  pendingRemoval: boolean;
}

/** A member of a department, as the query API's list-by-group answers it. */
export interface DepartmentMember {
  id: number;
  nickName: string | null;
  username: string;
  adNo: string | null;
}

type Id = number | string;

const RECORD_LOGIN = 'UPDATE person SET last_login = ? WHERE id = ?';
interface PersonRow {
  id: Id;
  state: string;
  removal: string | null;
}
interface MemberRow {
  g: string;
  id: Id;
  nick_name: string | null;
  username: string;
  ad_no: string | null;
}

/**
 * The people and departments OMFLOW is served (the published view), read and touched by the
 * libraries that serve OMFLOW: who holds a username at a login, when they last logged in, who
 * belongs to which departments.
 */
@Injectable()
export class PublishedPeople {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly sql: DirectSql,
    private readonly keys: TextKeys,
  ) {}

  /**
   * The person who holds `username` (compared as OMFLOW's database does: its collation, see
   * TextKeys): an active one first; null when nobody was ever published with it. Their pending
   * removal comes in the same statement (a primary-key join): the login's one lookup.
   */
  async byUsername(username: string): Promise<PublishedPerson | null> {
    const rows = await this.sql.rows<PersonRow>(
      `SELECT p.id AS id, p.state AS state, r.status AS removal FROM person p LEFT JOIN pending_removal r ON r.person_id = p.id
        WHERE p.${this.keys.stored ? 'username_key' : 'username'} = ? ORDER BY CASE WHEN p.state = 'active' THEN 0 ELSE 1 END LIMIT 1`,
      [this.keys.stored ? this.keys.key(username) : username],
    );
    const row = rows[0];
    return row ? { id: Number(row.id), active: row.state === 'active', pendingRemoval: row.removal === 'pending' || row.removal === 'due' } : null;
  }

  /** Records a successful login (the query API's `last_login`), inside the caller's transaction `m` when given. */
  async recordLogin(personId: number, at: Date, m?: EntityManager): Promise<void> {
    const params = [toSqlDateTime(at), personId];
    if (m) await m.query(RECORD_LOGIN, params);
    else await this.sql.run(RECORD_LOGIN, params);
  }

  /**
   * The active members of the published departments given by code or by name (compared
   * case-insensitively), by department code in department order, each list by person number.
   * Departments not found are left out.
   */
  async membersOf(by: 'code' | 'name', keys: readonly string[]): Promise<Map<string, DepartmentMember[]>> {
    const column = by === 'code' ? 'group_no' : 'display_name';
    const stored = this.keys.stored;
    // MySQL: the columns are utf8mb4_unicode_ci; another OMFLOW collation is named.
    const compared = stored ? `${column}_key` : this.keys.serverCollation === 'utf8mb4_unicode_ci' ? column : `${column} COLLATE ${this.keys.serverCollation}`;
    const departments = await this.dataSource.query<{ group_no: string }[]>(
      `SELECT group_no FROM department WHERE state = 'active' AND ${compared} IN (${keys.map(() => '?').join(', ')}) ORDER BY id`,
      stored ? keys.map((k) => this.keys.key(k)) : [...keys],
    );
    const result = new Map<string, DepartmentMember[]>();
    const codes = departments.map((d) => String(d.group_no));
    if (!codes.length) return result;
    const members = await this.dataSource.query<MemberRow[]>(
      `SELECT g.group_no AS g, u.id AS id, u.nick_name AS nick_name, u.username AS username, u.ad_no AS ad_no
         FROM person_group g JOIN person u ON u.id = g.person_id AND u.state = 'active'
        WHERE g.group_no IN (${codes.map(() => '?').join(', ')}) ORDER BY u.id`,
      codes,
    );
    // Memberships name departments as the directory spelt them: answer under the department's own code.
    const canonical = new Map(codes.map((c) => [c.toLowerCase(), c]));
    for (const code of codes) result.set(code, []);
    for (const m of members) {
      const code = canonical.get(String(m.g).toLowerCase()) ?? String(m.g);
      let list = result.get(code);
      if (!list) result.set(code, (list = []));
      list.push({ id: Number(m.id), nickName: m.nick_name ?? null, username: String(m.username), adNo: m.ad_no ?? null });
    }
    return result;
  }
}
