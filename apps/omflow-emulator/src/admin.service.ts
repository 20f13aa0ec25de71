import { BadRequestException, ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { USER_COLUMN_LIMITS } from './apply.js';
import { characterCount, collationKey } from './collation.js';
import type { CreateUserDto, EditUserDto } from './admin.dto.js';
import { SYNCED_USER_FIELDS, type OmUser } from './model.js';
import type { OmflowEmulatorOptions } from './options.js';
import { nothingDirty, OmflowStore } from './store.js';
import { OMFLOW_EMULATOR_OPTIONS } from './tokens.js';

/** A user as the admin calls show it, with the codes of its departments. */
export type UserView = OmUser & { groups: string[] };

/** What an OMFLOW administrator does by hand: edit, create and delete users, under the same column limits and unique keys. */
@Injectable()
export class AdminService {
  constructor(
    private readonly store: OmflowStore,
    @Inject(OMFLOW_EMULATOR_OPTIONS) private readonly options: OmflowEmulatorOptions,
  ) {}

  view(user: OmUser): UserView {
    const groups: string[] = [];
    for (const [groupId, members] of this.store.state.members) {
      if (members.has(user.id)) groups.push(this.store.state.groups.get(groupId)?.group_no ?? String(groupId));
    }
    return { ...user, groups: groups.sort() };
  }

  /** A user by username (a live one as OMFLOW's collation matches it, else a deleted one by its exact name) or by id. */
  find(name: string): OmUser {
    const users = [...this.store.state.users.values()];
    const key = collationKey(name);
    const found =
      users.find((u) => !u.delete && collationKey(u.username) === key) ??
      users.find((u) => u.username === name) ??
      (/^\d+$/.test(name) ? this.store.state.users.get(Number(name)) : undefined);
    if (!found) throw new NotFoundException(`No user "${name}" in the emulator.`);
    return found;
  }

  private check(user: OmUser, values: EditUserDto): void {
    for (const field of SYNCED_USER_FIELDS) {
      const value = values[field];
      if (value === undefined) continue;
      const length = characterCount(value);
      if (length > USER_COLUMN_LIMITS[field])
        throw new BadRequestException(`${field} has ${length} characters; OMFLOW's column holds ${USER_COLUMN_LIMITS[field]}.`);
    }
    for (const other of this.store.state.users.values()) {
      if (other.id === user.id) continue;
      if (values.username !== undefined && !other.delete && collationKey(other.username) === collationKey(values.username)) {
        throw new ConflictException(`username "${values.username}" is already used by user ${other.id} (unique, case-insensitive).`);
      }
      if (values.email !== undefined && collationKey(other.email) === collationKey(values.email)) {
        throw new ConflictException(`email "${values.email}" is already used by user "${other.username}" (unique, case-insensitive).`);
      }
    }
  }

  private save(user: OmUser): UserView {
    const dirty = nothingDirty();
    dirty.users.add(user.id);
    this.store.persist(dirty);
    return this.view(user);
  }

  edit(name: string, given: EditUserDto): UserView {
    const values = defined(given);
    const user = this.find(name);
    this.check(user, values);
    const { default_group, ...rest } = values;
    Object.assign(user, rest);
    if (default_group !== undefined) user.default_group = default_group;
    user.updatetime = new Date(this.options.clock()).toISOString();
    return this.save(user);
  }

  create(given: CreateUserDto): UserView {
    const values = defined(given);
    const state = this.store.state;
    const user: OmUser = {
      id: 0,
      username: values.username,
      email: values.email,
      nick_name: '',
      ad_no: '',
      company: '',
      phone1: '',
      phone2: '',
      extension_no: '',
      gender: 'male',
      is_active: true,
      delete: false,
      default_group: null,
      last_login: null,
      updatetime: new Date(this.options.clock()).toISOString(),
    };
    this.check(user, values);
    Object.assign(user, values, { id: state.nextUserId++ });
    state.users.set(user.id, user);
    return this.save(user);
  }

  /** OMFLOW's deleteUserAjax: the username becomes `<username>-<unixtime>`, `delete` is set. */
  remove(name: string): UserView {
    const user = this.find(name);
    if (user.delete) throw new ConflictException(`User "${user.username}" is already deleted.`);
    user.username = `${user.username}-${Math.floor(this.options.clock() / 1000)}.0`;
    user.delete = true;
    user.updatetime = new Date(this.options.clock()).toISOString();
    return this.save(user);
  }
}

/** The fields a request gave (a DTO instance may carry the others as undefined). */
function defined<T extends object>(dto: T): T {
  return Object.fromEntries(Object.entries(dto).filter(([, v]) => v !== undefined)) as T;
}
