'use strict';
// EVE SSO and ESI (erplink/esi.h): logins (web applications with a client secret, native ones
// with PKCE; both send a PKCE challenge), code exchange, refresh, revoke, local verification of
// access tokens, self-refreshing tokens, and the ESI client (cache, ETag/304, pages fetched
// concurrently, error limit, typed routes). Every call that can touch the network returns a
// Promise and runs on the addon's worker threads; the last argument of such a method is an
// options object that may hold `signal` (an AbortSignal: aborting cancels the call with
// CancelledError). Secrets (tokens, codes, the client secret) never appear in messages, in
// util.inspect() or in JSON.stringify() of these objects.

const util = require('node:util');

module.exports = function esi(I, store) {
  const { native, run, classes, codes } = I;
  const inval = (msg, code = codes.EINVAL) => new classes.invalid_argument(msg, { code });
  const SSO_OP = { discover: 0, endpoint: 1, login: 2, exchange: 3, refresh: 4, revoke: 5, verify: 6, token: 7 };
  const OP = { get: 0, getAll: 1, post: 2, assets: 3, market: 4, blueprints: 5, wallet: 6, mail: 7, names: 8 };
  const handles = new WeakMap(); // SSO / Token / Login / Tokens -> native handle
  const h = (o, what) => {
    const v = handles.get(o);
    if (v === undefined) throw inval(`${what} expected`, codes.ETYPE);
    return v;
  };

  /** The verified claims of an access token (immutable). */
  class Claims {
    constructor(o) {
      /** @type {number} */ this.characterId = o.characterId;
      /** @type {string} */ this.name = o.name;
      /** @type {string} */ this.owner = o.owner;
      /** @type {number} seconds since 1970 */ this.expiresAt = o.expiresAt;
      /** @type {string} */ this.clientId = o.clientId;
      /** @type {readonly string[]} */ this.scopes = Object.freeze(o.scopes);
      Object.freeze(this);
    }
    /** Whether the token grants scope. */
    hasScope(scope) {
      return this.scopes.includes(scope);
    }
  }

  /** A login in progress (esi_sso_login): the authorization URL, its state and PKCE verifier. */
  class Login {
    constructor(handle) {
      handles.set(this, handle);
      const info = native.esiLoginInfo(handle);
      /** @type {string|null} the URL to send the user to (null for an imported login) */
      this.url = info.url;
      /** @type {string} the `state` the callback must bring back */
      this.state = info.state;
      /** @type {number} seconds since 1970 */
      this.createdAt = info.createdAt;
    }
    /** A string to keep in the user's session (or any store), to finish the login elsewhere with
     * SSO.importLogin() (authenticated with the client id and secret, so it cannot be forged). */
    export() {
      return I.sync(() => native.esiLoginExport(h(this, 'a Login')))();
    }
    /** Frees the login. Idempotent. */
    close() {
      native.close(handles.get(this));
    }
    [util.inspect.custom]() {
      return `Login { createdAt: ${this.createdAt} }`;
    }
    toJSON() {
      return { createdAt: this.createdAt };
    }
  }

  /** Tokens of a code exchange or refresh (esi_sso_tokens). `accessToken` and `refreshToken`
   * are secrets: store the refresh token, never log it. */
  class Tokens {
    #info;
    constructor(handle) {
      handles.set(this, handle);
      this.#info = I.sync(() => native.esiTokensInfo(handle))();
    }
    /** @type {string} */
    get accessToken() {
      return this.#info.accessToken;
    }
    /** @type {string} */
    get refreshToken() {
      return this.#info.refreshToken;
    }
    /** @type {number} seconds */
    get expiresIn() {
      return this.#info.expiresIn;
    }
    /** @type {number} seconds since 1970 */
    get expiresAt() {
      return this.#info.expiresAt;
    }
    close() {
      native.close(handles.get(this));
    }
    [util.inspect.custom]() {
      return `Tokens { expiresAt: ${this.expiresAt}, accessToken: [redacted], refreshToken: [redacted] }`;
    }
    toJSON() {
      return { expiresAt: this.expiresAt, expiresIn: this.expiresIn };
    }
  }

  /** An EVE SSO client (esi_sso). Nothing is fetched by the constructor: the metadata document
   * and the JWKS are fetched on first need and cached. Thread-safe in C: one per application. */
  class SSO {
    /**
     * @param {object} options clientId (required), clientSecret (a web application; omit for a
     *   native one using PKCE alone), redirectUri, userAgent, metadataUrl, leewayS,
     *   jwksRefreshIntervalS, loginMaxAgeS, timeoutMs, connectTimeoutMs, maxAttempts, log, logLevel
     *   (as odoo.Client).
     */
    constructor(options) {
      const o = I.opts(options, 'esi.SSO');
      handles.set(this, I.sync(() => native.esiSsoNew({ ...o }))());
    }
    #call(op, options, ...args) {
      const hd = h(this, 'an SSO');
      return run(I.opts(options).signal, (tok) => native.esiSsoCall(hd, op, tok, ...args));
    }
    /** True for a web application (client secret, HTTP Basic), false for PKCE alone. */
    get confidential() {
      return I.sync(() => native.esiSsoConfidential(h(this, 'an SSO')))();
    }
    /** Fetches the metadata document now if it is not cached yet. */
    discover(options) {
      return this.#call(SSO_OP.discover, options);
    }
    /** One endpoint of the metadata document (issuer, authorization_endpoint, token_endpoint,
     * revocation_endpoint, jwks_uri). */
    endpoint(name, options) {
      return this.#call(SSO_OP.endpoint, options, name);
    }
    /** Starts a login: a Login whose `url` carries a fresh state and a PKCE challenge.
     * @param {string[]|string} scopes an array or a space-separated string */
    async beginLogin(scopes = [], options) {
      const list = typeof scopes === 'string' ? scopes.split(/\s+/).filter(Boolean) : scopes;
      return new Login(await this.#call(SSO_OP.login, options, list));
    }
    /** Rebuilds a login from Login.export() (InvalidArgumentError for garbage, an altered
     * export, or one made for another client). */
    importLogin(exported) {
      return new Login(I.sync(() => native.esiLoginImport(h(this, 'an SSO'), exported))());
    }
    /** Finishes a login: checks `state` and the login's age, then exchanges `code` for Tokens.
     * AuthError for a state mismatch, an expired login, invalid_grant or invalid_client.
     * @param {Login|string} login the Login or its export */
    async exchange(code, state, login, options) {
      const lg = typeof login === 'string' ? this.importLogin(login) : login;
      try {
        const lh = h(lg, 'a Login or its export');
        return new Tokens(await this.#call(SSO_OP.exchange, options, lh, code, state));
      } finally {
        if (lg !== login) lg.close();
      }
    }
    /** Refreshes an access token; store the result's refreshToken (it may rotate).
     * @param {{scope?: string, signal?: AbortSignal}} [options] */
    async refresh(refreshToken, options = {}) {
      return new Tokens(await this.#call(SSO_OP.refresh, options, refreshToken, I.opts(options).scope));
    }
    /** Revokes a refresh token. */
    revoke(refreshToken, options) {
      return this.#call(SSO_OP.revoke, options, refreshToken);
    }
    /** Verifies an access token against the SSO's JWKS (fetched once, cached). SignatureError
     * for a forged or tampered token, AuthError for a malformed, expired or foreign one. */
    async verify(accessToken, options) {
      return new Claims(await this.#call(SSO_OP.verify, options, accessToken));
    }
    /**
     * A self-refreshing Token. From a stored refresh token string no request is made; from the
     * Tokens of an exchange or refresh the access token is verified first (so no request is
     * needed until it expires).
     * @param {string|Tokens} credentials
     * @param {{onRefresh?: (refreshToken: string, characterId: number) => void|Promise<void>,
     *          refreshMarginS?: number, signal?: AbortSignal}} [options]
     * @returns {Promise<Token>}
     */
    async token(credentials, options = {}) {
      const o = I.opts(options);
      if (typeof credentials === 'string') return new Token(this, credentials, o);
      const th = h(credentials, 'a refresh token string or Tokens');
      const t = Object.create(Token.prototype);
      handles.set(t, await this.#call(SSO_OP.token, o, th, o.onRefresh, o.refreshMarginS));
      return t;
    }
    /** Frees the client once its tokens, logins and calls in flight are done. Idempotent. */
    close() {
      native.close(handles.get(this));
    }
  }

  /** A character's self-refreshing credentials (esi_token) for the authenticated routes.
   * Concurrent callers wait for one refresh. */
  class Token {
    /**
     * @param {SSO} sso
     * @param {string} refreshToken a stored refresh token (no request is made here)
     * @param {{onRefresh?: (refreshToken: string, characterId: number) => void|Promise<void>,
     *          refreshMarginS?: number}} [options] onRefresh runs on the main thread after every
     *   refresh with the refresh token to store from now on; the call that refreshed waits for it
     *   (and for its Promise), and rejects with what it throws.
     */
    constructor(sso, refreshToken, options = {}) {
      const o = I.opts(options);
      handles.set(this, I.sync(() => native.esiTokenNew(h(sso, 'an SSO'), refreshToken, o.onRefresh,
        o.refreshMarginS))());
    }
    /** A valid access token (a secret), refreshed first when it expires within the margin. */
    accessToken(options) {
      const hd = h(this, 'a Token');
      return run(I.opts(options).signal, (tok) => native.esiTokenCall(hd, 0, tok));
    }
    /** The verified claims of the current access token (refreshing first if needed). */
    async claims(options) {
      const hd = h(this, 'a Token');
      return new Claims(await run(I.opts(options).signal, (tok) => native.esiTokenCall(hd, 1, tok)));
    }
    /** Marks the access token unusable: the next use refreshes. */
    invalidate() {
      I.sync(() => native.esiTokenInvalidate(h(this, 'a Token')))();
    }
    /** How many refreshes this token has made. */
    get refreshCount() {
      return I.sync(() => native.esiTokenCount(h(this, 'a Token')))();
    }
    close() {
      native.close(handles.get(this));
    }
    [util.inspect.custom]() {
      return 'Token { [redacted] }';
    }
  }

  /** The answer of one ESI call (possibly several pages) with its metadata (immutable). */
  class Response {
    constructor(o) {
      /** @type {number} 200, 201, or 304 when revalidated (200 for a cache hit) */ this.status = o.status;
      /** @type {'miss'|'hit'|'revalidated'} */ this.cacheStatus = o.cacheStatus;
      /** @type {number} HTTP requests made, retries included */ this.requests = o.requests;
      /** @type {string|null} */ this.etag = o.etag;
      /** @type {string|null} */ this.lastModified = o.lastModified;
      /** @type {number} ms since 1970 */ this.expiresMs = o.expiresMs;
      /** @type {number} X-Pages (1 for a route without pages) */ this.pages = o.pages;
      /** @type {{remain: number, resetS: number}} -1 when unknown */ this.errorLimit = Object.freeze(o.errorLimit);
      /** @type {{group: string|null, limit: string|null, remaining: number, used: number}} */
      this.rateLimit = Object.freeze(o.rateLimit);
      /** @type {readonly string[]} how each page was obtained */
      this.pageCacheStatus = Object.freeze(o.pageCacheStatus);
      /** the decoded body of the first (or only) page */
      this.value = o.value;
      /** @type {readonly any[]} the decoded body of every page */
      this.pageValues = Object.freeze(o.pageValues);
      /** @type {any[]} every array item over all pages, in page order */
      this.items = o.items;
      Object.freeze(this);
    }
    /** True when the first page came from the cache (a hit or a 304). */
    get fromCache() {
      return this.cacheStatus !== 'miss';
    }
    /** True when the server answered 304 Not Modified. */
    get notModified() {
      return this.cacheStatus === 'revalidated';
    }
    get length() {
      return this.items.length;
    }
    [Symbol.iterator]() {
      return this.items[Symbol.iterator]();
    }
  }

  function tokenHandle(token, required) {
    if (token == null) {
      if (required) throw inval('a Token is required for this route', codes.ETYPE);
      return null;
    }
    return h(token, 'a Token');
  }

  /** An ESI client (esi_client). Thread-safe in C: use one per application. */
  class Client {
    #h;
    /**
     * @param {object} options userAgent (required: your application with contact details),
     *   compatibilityDate ("YYYY-MM-DD", default DEFAULT_COMPATIBILITY_DATE), cache (true or
     *   omitted: in memory, bounded by cacheMaxBytes; false: none; a store.BlobCache: a file
     *   shared by processes, surviving restarts; a CacheStore object {get(key), put(key, data)}
     *   written by you: Redis, a database...), baseUrl, tenant, concurrency (requests in
     *   flight for pages and name chunks, default 8), errorLimitFloor, cacheMaxBytes,
     *   timeoutMs, connectTimeoutMs, maxAttempts, log, logLevel (as odoo.Client).
     */
    constructor(options) {
      const o = { ...I.opts(options, 'esi.Client') };
      if (o.userAgent == null) throw inval('esi.Client: userAgent is required (your application and a contact)');
      if (o.cache != null && typeof o.cache !== 'boolean') {
        if (o.cache instanceof store.BlobCache) o.cache = o.cache._handle;
        else if (typeof o.cache !== 'object') {
          throw inval('cache must be true, false, a store.BlobCache or a CacheStore object ({get, put})', codes.ETYPE);
        }
      }
      this.#h = I.sync(() => native.esiClientNew(o))();
    }
    #call(op, signal, ...args) {
      return run(signal, (tok) => native.esiClientCall(this.#h, op, tok, ...args));
    }
    async #resp(op, signal, ...args) {
      return new Response(await this.#call(op, signal, ...args));
    }
    /** {remain, resetS} of the error limit from the latest response (-1 when unknown). */
    get errorLimit() {
      const l = I.sync(() => native.esiClientLimits(this.#h))();
      return { remain: l.errorRemain, resetS: l.errorResetS };
    }
    /** How long every request of the client still waits (error limit reached, 420), in ms. */
    get pauseRemainingMs() {
      return I.sync(() => native.esiClientLimits(this.#h))().pauseRemainingMs;
    }
    /** GETs one page of a route through the cache. `route` is a template
     * ("/markets/{region_id}/orders") whose placeholders `path` fills.
     * @param {{path?: object, query?: object|Array<[string, string|number]>, token?: Token, signal?: AbortSignal}} [options] */
    async get(route, options = {}) {
      const o = I.opts(options);
      return this.#resp(OP.get, o.signal, route, o.path, o.query, tokenHandle(o.token));
    }
    /** GETs every page of a paginated route concurrently into one Response (all pages must
     * agree on Last-Modified: refetched once, then ConflictError). */
    async getAllPages(route, options = {}) {
      const o = I.opts(options);
      return this.#resp(OP.getAll, o.signal, route, o.path, o.query, tokenHandle(o.token));
    }
    /**
     * Every page of a paginated route in page order, as an async iterator of {page, pages,
     * items}, with bounded memory: the C pager keeps up to `concurrency` requests in flight and
     * at most `ahead` pages (default 2 x 8) wait for the loop, so transfers overlap with the
     * loop's work. A Last-Modified roll-over in the middle throws ConflictError (the pages
     * already seen belong to an older version); `break` stops the walk.
     * @param {{path?: object, query?: object, token?: Token, ahead?: number, signal?: AbortSignal}} [options]
     */
    async *iterPages(route, options = {}) {
      const o = I.opts(options);
      const queue = [];
      let wake = null;
      let finished = false;
      let failure = null;
      const onPage = (page, pages, items) => {
        if (page === 0) {
          failure = new classes.conflict('Last-Modified changed in the middle of the walk: the pages already ' +
            'delivered belong to an older version; iterate again', { code: codes.ECONFLICT });
          native.esiStreamStop(stream);
        } else {
          queue.push({ page, pages, items });
        }
        if (wake) wake();
      };
      const signal = o.signal;
      if (signal != null && typeof signal.addEventListener !== 'function') {
        throw inval('signal must be an AbortSignal', codes.ETYPE);
      }
      if (signal && signal.aborted) throw new classes.cancelled('cancelled (the AbortSignal was aborted)', { code: codes.ECANCELLED });
      const token = signal ? native.cancelNew() : null;
      const onAbort = () => native.cancelTrigger(token);
      if (signal) signal.addEventListener('abort', onAbort, { once: true });
      let stream;
      let done;
      try {
        [stream, done] = I.sync(() => native.esiStream(this.#h, token, onPage, o.ahead == null ? 16 : o.ahead, route,
          o.path, o.query, tokenHandle(o.token)))();
      } catch (e) {
        if (signal) signal.removeEventListener('abort', onAbort);
        throw e;
      }
      done.then(() => { finished = true; }, (e) => { finished = true; if (!failure) failure = I.convert(e); })
        .finally(() => { if (wake) wake(); });
      try {
        for (;;) {
          if (failure) throw failure;
          if (queue.length) {
            const p = queue.shift();
            native.esiStreamAck(stream);
            yield p;
            continue;
          }
          if (finished) return;
          await new Promise((r) => { wake = r; });
          wake = null;
        }
      } finally {
        native.esiStreamStop(stream);
        await done.catch(() => {});
        if (signal) signal.removeEventListener('abort', onAbort);
      }
    }
    /** POSTs a JSON body (never cached, never retried once it may have reached the server).
     * ValidationError for a 400/422. */
    async post(route, body, options = {}) {
      const o = I.opts(options);
      return this.#resp(OP.post, o.signal, route, body, o.path, o.query, tokenHandle(o.token));
    }
    /** GET /characters/{character_id}/assets, every page (scope esi-assets.read_assets.v1). */
    async characterAssets(token, characterId, options = {}) {
      return this.#resp(OP.assets, I.opts(options).signal, tokenHandle(token, true), characterId);
    }
    /** GET /markets/{region_id}/orders, every page.
     * @param {{orderType?: 'buy'|'sell'|'all', typeId?: number, signal?: AbortSignal}} [options] */
    async marketOrders(regionId, options = {}) {
      const o = I.opts(options);
      return this.#resp(OP.market, o.signal, regionId, o.orderType, o.typeId == null ? 0 : o.typeId);
    }
    /** GET /characters/{character_id}/blueprints, every page (decode items with blueprintKind). */
    async characterBlueprints(token, characterId, options = {}) {
      return this.#resp(OP.blueprints, I.opts(options).signal, tokenHandle(token, true), characterId);
    }
    /** GET /characters/{character_id}/wallet/transactions walking from_id backwards until
     * nothing older comes or after maxBatches requests; `items` has every transaction once.
     * @param {{fromId?: number, maxBatches?: number, signal?: AbortSignal}} [options] */
    async walletTransactions(token, characterId, options = {}) {
      const o = I.opts(options);
      return this.#resp(OP.wallet, o.signal, tokenHandle(token, true), characterId, o.fromId == null ? 0 : o.fromId,
        o.maxBatches == null ? 1000 : o.maxBatches);
    }
    /** POST /characters/{character_id}/mail; recipients: [id, type] pairs (type "character",
     * "corporation", "alliance" or "mailing_list"). Validated first (InvalidArgumentError
     * naming the rule). Resolves to the new mail id.
     * @param {{approvedCost?: number, signal?: AbortSignal}} [options] */
    async sendMail(token, characterId, recipients, subject, body, options = {}) {
      const o = I.opts(options);
      return await this.#call(OP.mail, o.signal, tokenHandle(token, true), characterId, recipients, subject, body,
        o.approvedCost == null ? 0 : o.approvedCost);
    }
    /** POST /universe/names for any number of ids (deduplicated, chunked, concurrent); invalid
     * ids are isolated and reported in `invalid` instead of failing the call.
     * @returns {Promise<{names: Array<{id: number, name: string, category: string}>, invalid: number[], response: Response}>} */
    async universeNames(ids, options = {}) {
      const raw = await this.#call(OP.names, I.opts(options).signal, ids);
      const response = new Response(raw);
      return { names: response.items, invalid: raw.invalid || [], response };
    }
    /** Frees the client once the calls in flight are over; later calls fail. Idempotent. */
    close() {
      native.close(this.#h);
    }
  }

  /** A parsed JSON Web Key Set for verifying access tokens with no network (immutable).
   * ProtocolError for a document that is not a usable key set. */
  class JWKS {
    #h;
    /** @param {string|Buffer|Uint8Array} document */
    constructor(document) {
      this.#h = I.sync(() => native.esiJwksNew(document))();
    }
    /** The number of usable (RS256 / ES256) keys. */
    get size() {
      return I.sync(() => native.esiJwksCount(this.#h))();
    }
    /** Verifies an access token against the keys at `now` (seconds since 1970, default the
     * clock). Synchronous (CPU only). SignatureError / AuthError as SSO.verify.
     * @param {{now?: number, leewayS?: number}} [options] */
    verify(accessToken, clientId, options = {}) {
      const o = I.opts(options);
      const now = o.now == null ? Math.floor(Date.now() / 1000) : o.now;
      return new Claims(I.sync(() => native.esiJwksVerify(this.#h, accessToken, clientId, now,
        o.leewayS == null ? 60 : o.leewayS))());
    }
    close() {
      native.close(this.#h);
    }
  }

  /** Decodes a blueprint item's quantity: 'original', 'copy', 'stack' or 'unknown'. */
  const blueprintKind = I.sync((item) => native.esiBlueprintKind(item));

  return {
    SSO, Token, Tokens, Login, Claims, Client, Response, JWKS, blueprintKind,
    DEFAULT_COMPATIBILITY_DATE: native.esiDefaultCompatibilityDate,
  };
};
