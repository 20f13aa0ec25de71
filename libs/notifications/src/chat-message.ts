import type { driftData, failedData, heldData, quarantinedData, removalsDueData, resumedData, staleData } from './notification-payloads.js';
import type { NotificationEvent } from './notification.types.js';

const PREFIX = 'OMFLOW HR Bridge:';

/**
 * The one-line-or-few message a chat tool shows for an event: the `text` of the `{"text": ...}`
 * body that Slack, Mattermost and Microsoft Teams incoming webhooks accept. Plain text with
 * bare links (each tool turns them into links), no tool-specific markup.
 */
export function chatText(event: NotificationEvent): string {
  switch (event.type) {
    case 'sync.run.held': {
      const d = event.data as ReturnType<typeof heldData>;
      const reasons = d.reasons.map((r) => r.message).join('; ');
      return `${PREFIX} sync run ${d.run.id} is held for a decision: ${reasons}. Nothing changes for OMFLOW until someone approves or rejects it: ${d.decide.run} (POST …/approve or …/reject).`;
    }
    case 'sync.run.failed': {
      const d = event.data as ReturnType<typeof failedData>;
      return `${PREFIX} sync run ${d.run.id} failed (${d.reason}): ${d.message} /sync keeps serving the last published snapshot. Details: ${d.details}`;
    }
    case 'person.quarantined': {
      const d = event.data as ReturnType<typeof quarantinedData>;
      const names = d.people.slice(0, 10).map((p) => p.username ?? p.key);
      const more = d.count > names.length ? ` and ${d.count - names.length} more` : '';
      return `${PREFIX} sync run ${d.run.id} left out ${d.count} ${d.count === 1 ? 'person' : 'people'} for problems in their data for the first time: ${names.join(', ')}${more}. Details: ${d.details}`;
    }
    case 'omflow.pull.stale': {
      const d = event.data as ReturnType<typeof staleData>;
      return `${PREFIX} OMFLOW has not pulled /sync since ${d.awaitedSince} (more than ${d.thresholdSeconds} s): check OMFLOW's sync job and its access to the bridge.`;
    }
    case 'omflow.pull.resumed': {
      const d = event.data as ReturnType<typeof resumedData>;
      return `${PREFIX} OMFLOW pulled /sync again at ${d.lastPullAt} (silent since ${d.awaitedSince}).`;
    }
    case 'sync.removals.due': {
      const d = event.data as ReturnType<typeof removalsDueData>;
      const names = d.people.slice(0, 10).map((p) => p.username);
      const more = d.count > names.length ? ` and ${d.count - names.length} more` : '';
      return `${PREFIX} the removal of ${d.count} ${d.count === 1 ? 'person' : 'people'} from OMFLOW is due (grace window over): ${names.join(', ')}${more}.`;
    }
    case 'omflow.drift': {
      const d = event.data as ReturnType<typeof driftData>;
      return `${PREFIX} OMFLOW is not in sync with the snapshot it pulled (comparison ${d.reconciliation.id}): ${d.reasons.join('; ')}. Details: ${d.details}`;
    }
    case 'notification.test': {
      const d = event.data as { message?: string | null; requestedBy?: string | null };
      return `${PREFIX} test notification${d.message ? `: ${d.message}` : ''} (requested by ${d.requestedBy ?? 'an administrator'}).`;
    }
  }
}
