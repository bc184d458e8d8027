// The gateway's route table and the one path form it matches against.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { InvalidRequest } from '../../src/core/errors.ts';
import { matchRoute, parseRoute, requestPath } from '../../src/gateway/routes.ts';

const isInvalidArg = (err: unknown) => err instanceof TypeError && (err as NodeJS.ErrnoException).code === 'ERR_INVALID_ARG_VALUE';
const isInvalidRequest = (err: unknown) => err instanceof InvalidRequest && err.status === 400 && err.error === 'invalid_request';

describe('parseRoute', () => {
  test('METHOD PATH=SCOPES: methods, an exact path or a prefix, scopes', () => {
    assert.deepEqual(parseRoute('GET /orders/*=orders:read'), { name: 'GET /orders/*', methods: new Set(['GET']), path: '/orders/', prefix: true, scopes: ['orders:read'] });
    assert.deepEqual(parseRoute('get,HEAD /orders=orders:read  orders:list'), { name: 'get,HEAD /orders', methods: new Set(['GET', 'HEAD']), path: '/orders', prefix: false, scopes: ['orders:read', 'orders:list'] });
    assert.deepEqual(parseRoute('* /health='), { name: '* /health', methods: null, path: '/health', prefix: false, scopes: [] });
    assert.deepEqual(parseRoute('GET /*=a'), { name: 'GET /*', methods: new Set(['GET']), path: '/', prefix: true, scopes: ['a'] });
  });

  test('a malformed route is a TypeError ERR_INVALID_ARG_VALUE', () => {
    for (const spec of ['GET /orders', '/orders=a', 'GET orders=a', 'GET /a/*/b=a', 'GET /a/../b=a', 'GET //a=a', 'G(T /a=a', 'GET /a=a"b', 'GET /a b=c', '*,GET /a=b']) {
      assert.throws(() => parseRoute(spec), isInvalidArg, spec);
    }
  });
});

describe('matchRoute', () => {
  const routes = ['GET /orders=r', 'GET /orders/*=r', 'POST /orders=w', '* /public/*='].map(parseRoute);
  test('the first route whose method and path match decides; a prefix matches below it; none is null', () => {
    assert.equal(matchRoute(routes, 'GET', '/orders')?.name, 'GET /orders');
    assert.equal(matchRoute(routes, 'GET', '/orders/17')?.name, 'GET /orders/*');
    assert.equal(matchRoute(routes, 'POST', '/orders')?.name, 'POST /orders');
    assert.equal(matchRoute(routes, 'DELETE', '/public/x')?.name, '* /public/*');
    assert.equal(matchRoute(routes, 'POST', '/orders/17'), null);
    assert.equal(matchRoute(routes, 'GET', '/ordersX'), null);
    assert.equal(matchRoute(routes, 'get', '/orders'), null, 'methods are case-sensitive (RFC 9110 §9.1)');
  });
});

describe('requestPath', () => {
  test('RFC 9110 §4.2.3: the path of an origin-form target, without the query', () => {
    assert.equal(requestPath('/orders/17?x=1'), '/orders/17');
    assert.equal(requestPath('/'), '/');
    assert.equal(requestPath('/a%20b'), '/a%20b');
  });

  test('RFC 3986 §5.2.4: dot segments, empty segments, encoded separators and other forms are 400 invalid_request', () => {
    for (const target of ['/a/../b', '/a/./b', '/public/..;/admin', '/a/.;x/b', '/..', '/.', '//a', '/a//b', '/a%2fb', '/a%2Fb', '/%2e%2e/a', '/a%5cb', '/a\\b', '/a%00', '*', 'http://x/a', '', undefined, '/a b', '/é']) {
      assert.throws(() => requestPath(target), isInvalidRequest, String(target));
    }
  });

  test('property: an accepted path has no dot segment and no empty one but a trailing slash, even after percent-decoding its separators', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('/', '.', '%', '2', 'e', 'f', 'F', '5', 'c', 'a', '\\', '?'), maxLength: 16 }), (tail) => {
        let path: string;
        try {
          path = requestPath(`/${tail}`);
        } catch (err) {
          return isInvalidRequest(err);
        }
        const decoded = path.replace(/%2f/gi, '/').replace(/%2e/gi, '.').replace(/%5c/gi, '\\');
        const segments = decoded.split('/').slice(1);
        return !segments.some((segment, i) => (segment === '' && i < segments.length - 1) || segment === '.' || segment === '..');
      }),
    );
  });
});
