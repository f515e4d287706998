// Development helper: `npx tsx playwright/lab/run.ts [port]` starts the lab agent with its pods and
// prints the URL and tokens; Ctrl-C stops it and cleans up.
import { populate, startLab } from './agentLab';

const lab = await startLab(Number(process.argv[2] ?? 9761));
const stop = async () => {
  await lab.stop();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
try {
  const ip = populate(lab);
  console.log(
    JSON.stringify({ url: lab.url, admin: lab.adminToken, readOnly: lab.readToken, deathstar: ip }),
  );
} catch (err) {
  console.error(err);
  await stop();
}
