import { afterAll, describe, expect, it } from 'vitest';
import { ipv4AddressesOf, listIpv4Addresses } from './addresses';
import { ipBatch } from './ip';
import { deleteNetns, ensureNetns } from './netns';

const netns = `mbt-${Math.random().toString(36).slice(2, 7)}-addr`;

afterAll(async () => {
  await deleteNetns(netns);
});

describe('host addresses', () => {
  it('reads every inet address of every link, and nothing else', () => {
    const links = [
      { ifname: 'lo', addr_info: [{ family: 'inet', local: '127.0.0.1' }] },
      {
        ifname: 'eth0',
        addr_info: [
          { family: 'inet6', local: 'fe80::1' },
          { family: 'inet', local: '192.0.2.2' },
        ],
      },
      { ifname: 'veth1' },
      {
        ifname: 'dummy0',
        addr_info: [
          { family: 'inet', local: '203.0.113.9' },
          { family: 'inet', local: '198.51.100.1' },
        ],
      },
    ];
    expect(ipv4AddressesOf(links)).toEqual([
      { ifname: 'lo', address: '127.0.0.1' },
      { ifname: 'eth0', address: '192.0.2.2' },
      { ifname: 'dummy0', address: '203.0.113.9' },
      { ifname: 'dummy0', address: '198.51.100.1' },
    ]);
  });

  it('lists the addresses of a real namespace: loopback, and a device with two addresses', async () => {
    await ensureNetns(netns);
    expect(await listIpv4Addresses(netns)).toEqual([]); // lo is down and unaddressed in a new netns
    await ipBatch(
      [
        'link set dev lo up',
        'link add mbtaddr0 type veth peer name mbtaddr1', // no dummy driver in this kernel
        'addr add 203.0.113.9/32 dev mbtaddr0',
        'addr add 198.51.100.1/24 dev mbtaddr0',
      ],
      netns,
    );
    const got = await listIpv4Addresses(netns);
    expect(got).toEqual([
      { ifname: 'lo', address: '127.0.0.1' },
      { ifname: 'mbtaddr0', address: '203.0.113.9' },
      { ifname: 'mbtaddr0', address: '198.51.100.1' },
    ]);
  });
});
