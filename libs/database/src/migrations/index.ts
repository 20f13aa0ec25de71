import { AccessClients1763880000000 } from './1763880000000-access-clients.js';
import { AuditTrail1763880400000 } from './1763880400000-audit-trail.js';
import { SyncSnapshots1763890000000 } from './1763890000000-sync-snapshots.js';
import { DirectoryToken1763895000000 } from './1763895000000-directory-token.js';
import { AuthCredentials1763900000000 } from './1763900000000-auth-credentials.js';
import { OmflowQuery1763910000000 } from './1763910000000-omflow-query.js';
import { AuditKeyedChain1764020000000 } from './1764020000000-audit-keyed-chain.js';
import { LoginReservations1764030000000 } from './1764030000000-login-reservations.js';
import { SyncRunFailureReason1764040000000 } from './1764040000000-sync-run-failure-reason.js';
import { Notifications1764080000000 } from './1764080000000-notifications.js';
import { SyncRunProgress1764090000000 } from './1764090000000-sync-run-progress.js';
import { PendingRemovals1764100000000 } from './1764100000000-pending-removals.js';
import { SyncRunDecisions1764110000000 } from './1764110000000-sync-run-decisions.js';
import { OmflowReconciliation1764130000000 } from './1764130000000-omflow-reconciliation.js';
import { CollationKeys1764140000000 } from './1764140000000-collation-keys.js';
import { ConsoleSessions1764160000000 } from './1764160000000-console-sessions.js';

/** Every migration, oldest first. Each runs on MySQL/MariaDB and SQLite alike. */
export const migrations = [
  AccessClients1763880000000,
  AuditTrail1763880400000,
  SyncSnapshots1763890000000,
  DirectoryToken1763895000000,
  AuthCredentials1763900000000,
  OmflowQuery1763910000000,
  AuditKeyedChain1764020000000,
  LoginReservations1764030000000,
  SyncRunFailureReason1764040000000,
  Notifications1764080000000,
  SyncRunProgress1764090000000,
  PendingRemovals1764100000000,
  SyncRunDecisions1764110000000,
  OmflowReconciliation1764130000000,
  CollationKeys1764140000000,
  ConsoleSessions1764160000000,
];
