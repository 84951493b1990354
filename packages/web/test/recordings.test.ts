/**
 * When the session detail plays a recording (`recordingAllowed` of @switchboard/contracts): the
 * same answer the browser gives under the CSP `media-src` the server writes from
 * SWITCHBOARD_RECORDING_HOSTS, so the page never shows a player the policy would block, nor
 * loads a URL the operator has not allowed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recordingAllowed } from '@switchboard/contracts';

const HOSTS = ['media.example.com', '*.cdn.example.net', '127.0.0.1:8443'];
const allowed = (url: string, page = 'https:', hosts = HOSTS) => recordingAllowed(url, hosts, page);

test('nothing is allowed without hosts', () => {
  assert.equal(allowed('https://media.example.com/a.mp3', 'https:', []), false);
});

test('an exact host on its default port, over the page’s scheme or https', () => {
  assert.equal(allowed('https://media.example.com/a.mp3'), true);
  assert.equal(allowed('https://MEDIA.example.com/a.mp3'), true);
  assert.equal(allowed('https://media.example.com:443/a.mp3'), true);
  assert.equal(allowed('http://media.example.com/a.mp3', 'http:'), true);
  assert.equal(allowed('http://media.example.com/a.mp3', 'https:'), false, 'an https page never loads http');
  assert.equal(allowed('https://media.example.com:8443/a.mp3'), false, 'another port');
  assert.equal(allowed('https://evil.example.com/a.mp3'), false);
  assert.equal(allowed('https://media.example.com.evil.net/a.mp3'), false);
  assert.equal(allowed('https://user:pw@media.example.com/a.mp3'), false);
});

test('a wildcard covers subdomains, not the domain itself', () => {
  assert.equal(allowed('https://eu.cdn.example.net/a.mp3'), true);
  assert.equal(allowed('https://a.b.cdn.example.net/a.mp3'), true);
  assert.equal(allowed('https://cdn.example.net/a.mp3'), false);
  assert.equal(allowed('https://evilcdn.example.net/a.mp3'), false);
});

test('a host with a port needs that port', () => {
  assert.equal(allowed('http://127.0.0.1:8443/a.mp3', 'http:'), true);
  assert.equal(allowed('http://127.0.0.1/a.mp3', 'http:'), false);
});

test('only http(s) URLs, and * allows any of them', () => {
  for (const url of ['javascript:alert(1)', 'data:audio/mpeg;base64,AAAA', 'ftp://media.example.com/a', 'not a url'])
    assert.equal(allowed(url, 'https:', ['*', ...HOSTS]), false, url);
  assert.equal(allowed('https://anything.example.org/a.mp3', 'https:', ['*']), true);
});
