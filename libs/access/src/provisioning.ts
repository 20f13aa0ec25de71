import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { AccessService } from './access.service.js';

/** Where the generated first admin token goes: stdout, once, and nowhere else. */
export const ADMIN_TOKEN_SINK = Symbol('ADMIN_TOKEN_SINK');
export type AdminTokenSink = (banner: string) => void;

export const stdoutSink: AdminTokenSink = (banner) => {
  process.stdout.write(banner);
};

export function adminTokenBanner(token: string): string {
  const line = '='.repeat(78);
  return [
    line,
    ' No BRIDGE_ADMIN_TOKEN is configured, so an admin token was generated.',
    ' It is shown this once and stored only as a SHA-256 digest. Keep it safe:',
    '',
    `   ${token}`,
    '',
    ' Use it as "Authorization: Bearer <token>" on /api/v1/... (see /docs).',
    line,
    '',
  ].join('\n');
}

/** Provisions environment-declared clients, and the first admin, when the application starts. */
@Injectable()
export class ClientProvisioning implements OnApplicationBootstrap {
  private readonly logger = new Logger(ClientProvisioning.name);

  constructor(
    private readonly access: AccessService,
    @Inject(ADMIN_TOKEN_SINK) private readonly sink: AdminTokenSink,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { generatedAdminToken, changes } = await this.access.provisionFromEnvironment();
    for (const change of changes) this.logger.log(`Clients: ${change}`);
    // Deliberately not through the logger: the token must not reach log files or collectors.
    if (generatedAdminToken) this.sink(adminTokenBanner(generatedAdminToken));
  }
}
