/** Settings' rows for a team-hub connection: where, which project, as whom; the token is in the keychain and never shown. */
import type { HubConnectionSummary } from '../../../main/common/api/operations';

export function HubSummary({ hub }: { hub: HubConnectionSummary }) {
  return (
    <>
      <dt>Team hub</dt>
      <dd>{hub.url}</dd>
      <dt>Hub project</dt>
      <dd>{hub.role ? `${hub.project} (role ${hub.role})` : `${hub.project} (the hub did not answer)`}</dd>
      {hub.user && (
        <>
          <dt>Signed in as</dt>
          <dd>{hub.user} (token in the keychain)</dd>
        </>
      )}
    </>
  );
}
