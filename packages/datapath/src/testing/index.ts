// Test fixtures for kernel tests (datapath, agent, benchmarks). Import from
// '@membrane/datapath/testing' or packages/datapath/src/testing — never from production code.
// Plumbing helpers re-exported so test code and benchmarks need one import.
export { execInNetns, spawnInNetns } from '../netns';
export {
  GuardRoutes,
  type ManyResult,
  type PeerRun,
  requests as lbRequests,
  runPeer as runLbPeer,
  TestCgroup,
} from '../services/testing/lbTestKit';
export {
  allocatePodSubnet,
  allocateWorldIps,
  releasePodSubnet,
  releaseWorldIps,
  WORLD_PREFIX,
} from './addresses';
export { registerCleanup, type SyncCleanup, unregisterCleanup } from './cleanup';
export { PodAgent } from './podAgent';
export {
  openTcpConnection,
  type ProbeOptions,
  type ProbeVerdict,
  probeTcp,
  probeUdp,
  type ServerStats,
  serverStats,
  type TcpConnection,
  udpBurst,
} from './probes';
export { release as releaseReservation, reserve as reserveAddresses } from './reservations';
export { sweepStaleTestNetworks, sweepStaleTestNetworksOnce } from './sweep';
export {
  TEST_NETNS_PREFIX,
  TEST_PIN_PREFIX,
  TestNetwork,
  type TestNetworkOptions,
  type TestPod,
  withTestNetwork,
} from './testNetwork';
