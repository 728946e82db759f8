import { isForbiddenAddress, isForbiddenLiteralUrl } from './address-policy';

describe('isForbiddenAddress', () => {
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'this network'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback, end of the range'],
    ['10.0.0.1', 'private 10/8'],
    ['10.255.255.255', 'private 10/8, last'],
    ['172.16.0.1', 'private 172.16/12, first'],
    ['172.31.255.255', 'private 172.16/12, last'],
    ['192.168.1.1', 'private 192.168/16'],
    ['169.254.169.254', 'cloud metadata'],
    ['169.254.0.1', 'link-local'],
    ['100.64.0.1', 'CGNAT, first'],
    ['100.127.255.255', 'CGNAT, last'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast (SSDP)'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['::', 'IPv6 unspecified'],
    ['::1', 'IPv6 loopback'],
    ['[::1]', 'bracketed as in a URL'],
    ['fe80::1', 'IPv6 link-local'],
    ['febf:ffff::1', 'IPv6 link-local, end of fe80::/10'],
    ['fc00::1', 'unique-local fc00::/7'],
    ['fd12:3456::1', 'unique-local fd'],
    ['ff02::1', 'IPv6 multicast'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback, hex'],
    ['::ffff:10.0.0.1', 'IPv4-mapped private'],
    ['::ffff:169.254.169.254', 'IPv4-mapped metadata'],
    ['::ffff:192.168.0.1', 'IPv4-mapped private 192.168'],
    ['::ffff:0.0.0.0', 'IPv4-mapped unspecified'],
    ['::127.0.0.1', 'IPv4-compatible loopback'],
    ['::ffff:0:a00:1', 'IPv4-translated private'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 of the metadata address'],
    ['2002:7f00:1::', '6to4 of loopback'],
    ['2002:a00:1::1', '6to4 of 10.0.0.1'],
    ['fe80::1%eth0', 'with a zone id'],
    ['not-an-ip', 'not an address'],
    ['', 'empty'],
  ])('%s is refused (%s)', (ip) => expect(isForbiddenAddress(ip)).toBe(true));

  it.each([
    ['8.8.8.8', 'public'],
    ['1.1.1.1', 'public'],
    ['172.15.255.255', 'just below 172.16/12'],
    ['172.32.0.1', 'just above 172.16/12'],
    ['100.63.255.255', 'just below CGNAT'],
    ['100.128.0.1', 'just above CGNAT'],
    ['169.253.255.255', 'just below link-local'],
    ['11.0.0.1', 'just above 10/8'],
    ['126.255.255.255', 'just below loopback'],
    ['2606:4700:4700::1111', 'public IPv6'],
    ['2001:4860:4860::8888', 'public IPv6'],
    ['::ffff:8.8.8.8', 'IPv4-mapped public'],
    ['64:ff9b::808:808', 'NAT64 of a public address'],
    ['2002:808:808::1', '6to4 of a public address'],
  ])('%s is allowed (%s)', (ip) => expect(isForbiddenAddress(ip)).toBe(false));
});

describe('isForbiddenLiteralUrl', () => {
  it.each([
    'http://127.0.0.1:8080/search',
    'http://[::1]/search',
    'http://10.0.0.1/search',
    'http://169.254.169.254/latest/meta-data',
    'http://[::ffff:127.0.0.1]/x',
    'http://[::ffff:a9fe:a9fe]/x',
    // The WHATWG parser normalizes these to 127.0.0.1 before the check.
    'http://0x7f000001/x',
    'http://2130706433/x',
    'http://0177.0.0.1/x',
    'http://127.1/x',
    'http://0/x',
    'not a url',
  ])('%s is refused', (url) => expect(isForbiddenLiteralUrl(url)).toBe(true));

  it.each([
    'https://example.com/search',
    'http://localhost:8080/search', // a name: checked when connecting
    'https://8.8.8.8/search',
    'https://[2606:4700:4700::1111]/search',
  ])('%s passes (names are checked at connect time)', (url) =>
    expect(isForbiddenLiteralUrl(url)).toBe(false),
  );
});
