import { Inject, Injectable, Logger } from '@nestjs/common';
import { collationKey } from './collation.js';
import { CustomHrClient } from './custom-hr.client.js';
import type { OmUser } from './model.js';
import type { Envelope } from './omflow.controller.js';
import type { OmflowEmulatorOptions } from './options.js';
import { basicCredentials } from '#app/common';
import { nothingDirty, OmflowStore } from './store.js';
import { OMFLOW_EMULATOR_OPTIONS } from './tokens.js';

/** Django's checkEmailFormat: what makes the login name an email. */
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/**
 * OMFLOW's loginAjax for users synced from Custom HR: find the user by username or email (as its
 * MySQL collation compares), require an active, undeleted account, and let the intermediary's
 * `/authenticate` check the password. A success sets `last_login`.
 */
@Injectable()
export class LoginService {
  private readonly logger = new Logger(LoginService.name);

  constructor(
    private readonly store: OmflowStore,
    private readonly hr: CustomHrClient,
    @Inject(OMFLOW_EMULATOR_OPTIONS) private readonly options: OmflowEmulatorOptions,
  ) {}

  private find(login: string): OmUser | undefined {
    const key = collationKey(login);
    const byEmail = EMAIL.test(login);
    for (const user of this.store.state.users.values()) {
      if (collationKey(byEmail ? user.email : user.username) === key) return user;
    }
    return undefined;
  }

  async login(authorization: string | undefined): Promise<Envelope> {
    const credentials = basicCredentials(authorization);
    if (!credentials) return { status: 403, message: 'Login failed: send HTTP Basic credentials (username:password).', result: null };
    const user = this.find(credentials.user);
    if (!user || user.delete) return { status: 403, message: 'Login failed, no such user account.', result: null };
    if (!user.is_active) return { status: 403, message: 'Login failed.', result: null };
    let checked: { ok: boolean; message: string | null };
    try {
      checked = await this.hr.authenticate(user.username, credentials.password);
    } catch (error) {
      this.logger.warn(`Login of "${user.username}": the Custom HR application could not be asked (${error instanceof Error ? error.message : String(error)})`);
      return { status: 403, message: 'Login failed: the Custom HR application could not check the password.', result: null };
    }
    if (!checked.ok) return { status: 403, message: 'Login failed.', result: null };
    user.last_login = new Date(this.options.clock()).toISOString();
    const dirty = nothingDirty();
    dirty.users.add(user.id);
    this.store.persist(dirty);
    return { status: 200, message: 'Login successful.', result: null };
  }
}
