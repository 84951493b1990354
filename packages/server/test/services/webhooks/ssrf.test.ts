/**
 * The SSRF guard's address rules (src/services/webhooks/ssrf.ts): every IPv6 form that carries
 * an IPv4 address is judged by that address, and the documentation ranges are refused. The
 * registration and send paths that use these rules are tested in routes/webhooks.test.ts and
 * services/webhooks.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { postWebhook } from '../../../src/services/webhooks/http.js';
import { isForbiddenAddress, urlProblem } from '../../../src/services/webhooks/ssrf.js';

/** Private or loopback IPv4 addresses written in each IPv6 form that delivers to them. */
export const EMBEDDED_PRIVATE = [
  '64:ff9b::7f00:1', // NAT64 well-known prefix → 127.0.0.1
  '64:ff9b::10.0.0.1',
  '64:ff9b::a9fe:a9fe', // → 169.254.169.254, the metadata service
  '64:ff9b:1::a00:1', // local-use NAT64
  '64:ff9b:1:7f00:0:100::', // local-use NAT64 with a /48 prefix (127.0.0.1 around the u-octet)
  '2002:7f00:1::1', // 6to4 → 127.0.0.1
  '2002:c0a8:101::', // 6to4 → 192.168.1.1
  '2002:a9fe:a9fe::1', // 6to4 → 169.254.169.254
  '2001:0:a00:1::1', // Teredo, server 10.0.0.1
  '2001:0:4136:e378:8000:63bf:80ff:fffe', // Teredo, client 127.0.0.1 (bits flipped)
  '::ffff:7f00:1', // IPv4-mapped → 127.0.0.1
  '::ffff:10.0.0.1',
  '::ffff:0:a00:1', // IPv4-translated → 10.0.0.1
  '::ffff:0:127.0.0.1',
];

const DOCUMENTATION = ['192.0.2.1', '198.51.100.7', '203.0.113.200', '2001:db8::1', '3fff::1'];

describe('SSRF address rules', () => {
  test('IPv6 forms that embed a private IPv4 address are refused', () => {
    for (const address of EMBEDDED_PRIVATE) assert.equal(isForbiddenAddress(address), true, address);
  });

  test('the documentation ranges are refused', () => {
    for (const address of DOCUMENTATION) assert.equal(isForbiddenAddress(address), true, address);
    // Their IPv6 dressings too.
    for (const address of ['::ffff:192.0.2.1', '64:ff9b::c633:6407', '2002:cb00:71c8::'])
      assert.equal(isForbiddenAddress(address), true, address);
  });

  test('public addresses, also embedded in NAT64 (DNS64 networks) and 6to4, stay allowed', () => {
    for (const address of [
      '8.8.8.8',
      '1.1.1.1',
      '2606:4700:4700::1111',
      '64:ff9b::808:808', // what DNS64 answers for 8.8.8.8 on an IPv6-only network
      '::ffff:8.8.8.8',
      '2002:808:808::1',
    ])
      assert.equal(isForbiddenAddress(address), false, address);
  });

  test('registration refuses these hosts as URL literals', async () => {
    for (const address of [...EMBEDDED_PRIVATE, ...DOCUMENTATION]) {
      const host = address.includes(':') ? `[${address}]` : address;
      assert.match(String(await urlProblem(`https://${host}/hook`, false)), /must not point/, address);
    }
    assert.equal(await urlProblem('https://[64:ff9b::808:808]/hook', false), null);
  });

  test('the sender refuses them before opening a connection', async () => {
    for (const address of ['64:ff9b::7f00:1', '2002:7f00:1::1', '::ffff:0:7f00:1', '192.0.2.1']) {
      const host = address.includes(':') ? `[${address}]` : address;
      const r = await postWebhook({
        url: `http://${host}:9/hook`,
        headers: {},
        body: '{}',
        timeoutMs: 2000,
        allowPrivate: false,
      });
      assert.equal(r.status, null, address);
      assert.match(String(r.error), /refused: the URL points to a forbidden address/, address);
    }
  });
});
