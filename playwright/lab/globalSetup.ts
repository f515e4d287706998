import { populate, startLab } from './agentLab';
import { freePort, startWeb } from './webServer';

// One lab for the whole run: a real agent with pods and traffic, and the dashboard in front of
// it. Tests read where they are from the environment; the returned function tears both down.
export default async function globalSetup(): Promise<() => Promise<void>> {
  const lab = await startLab(await freePort());
  let web: Awaited<ReturnType<typeof startWeb>> | undefined;
  const teardown = async () => {
    await web?.stop();
    await lab.stop();
  };
  const onSignal = () => void teardown().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const deathstarIp = populate(lab);
    web = await startWeb(lab.url);
    Object.assign(process.env, {
      MEMBRANE_WEB_URL: web.url,
      MEMBRANE_LAB_URL: lab.url,
      MEMBRANE_LAB_ADMIN_TOKEN: lab.adminToken,
      MEMBRANE_LAB_READ_TOKEN: lab.readToken,
      MEMBRANE_LAB_STATE_DIR: lab.stateDir,
      MEMBRANE_LAB_DEATHSTAR_IP: deathstarIp,
    });
  } catch (err) {
    await teardown();
    throw err;
  }
  return teardown;
}
