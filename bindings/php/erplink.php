<?php
/*
 * erplink.php - the PHP layer over the extension erplink.so (bindings/php/): namespaced classes
 * with named arguments, owned handles freed by their destructors, generators over the C
 * cursors. No business logic: every method is one C call (iterSearchRead is a loop over
 * odoo_cursor_next); retries, paging, signatures, error mapping all stay in C.
 *
 *   php -d extension=erplink.so app.php        (or extension=erplink in php.ini)
 *   require '/usr/share/php/erplink/erplink.php';
 *
 *   $odoo = new Erplink\Odoo\Client('https://erp.example.com', 'prod', 'bot', apiKey: $key,
 *                                   protocol: 'jsonrpc');
 *   foreach ($odoo->iterSearchRead('res.partner', [['is_company', '=', true]], ['name']) as $p) ...
 *
 * Failures throw the Erplink\Error subclass of their category (defined by the extension:
 * AuthError, AccessError, ValidationError, NotFoundError, NetworkError, TimeoutError,
 * ProtocolError, ...) with $code (getCode()), $codeName, $category, $httpStatus, $remoteClass,
 * $detail, $retryAfterMs. Values: a PHP list is an array, any other PHP array a struct; []
 * is an (empty) array: send an empty struct as `new stdClass`. Strings are UTF-8 text; binary
 * data is an Erplink\Bytes. See bindings/php/README.md.
 */
declare(strict_types=1);

namespace Erplink {

    if (!\extension_loaded('erplink')) {
        throw new \RuntimeException('erplink.php needs the extension erplink.so (php -d extension=/path/to/erplink.so)');
    }

    /** The version string of the loaded C library, e.g. "0.2.0". */
    function version(): string
    {
        return \erplink_version();
    }

    /** The version of the loaded C library as ERPLINK_VERSION_NUMBER encodes it. */
    function versionNumber(): int
    {
        return \erplink_version_number();
    }

    /** Converts $value to an erplink value tree and back (what a call sends and receives). */
    function roundtrip(mixed $value): mixed
    {
        return \erplink_value_clone($value);
    }

    /** One line of JSON-like text for $value as the C library logs it (credentials redacted). */
    function dump(mixed $value): string
    {
        return \erplink_value_dump($value);
    }

    /** $value read as an erplink int (InvalidArgumentError ETYPE for anything else). */
    function getInt(mixed $value): int
    {
        return \erplink_value_get_int($value);
    }

    /** The message of an ERPLINK_E* code. */
    function strerror(int $code): string
    {
        return \erplink_strerror($code);
    }

    /** Whether an error of this code is worth retrying later (network, timeout, 5xx, 429...). */
    function errorRetryable(int $code): bool
    {
        return \erplink_error_retryable($code) !== 0;
    }

    /** The category name of a code ("auth", "network", ...). */
    function errorCategory(int $code): string
    {
        return \erplink_error_category_name(\erplink_error_category_of($code));
    }

    /** @return array<int, string> every ERPLINK_E* code -> its name ("EINVAL"), and 0 -> "OK". */
    function codeNames(): array
    {
        static $names = null;
        if ($names === null) {
            $names = [0 => 'OK'];
            foreach (\get_defined_constants(true)['erplink'] ?? [] as $k => $v) {
                if (\is_int($v) && $v < 0 && \preg_match('/^Erplink\\\\(E[A-Z0-9_]+)$/i', $k, $m)) {
                    $names[$v] = $m[1];
                }
            }
        }
        return $names;
    }

    /** @internal An owned C object, freed once: by close() or when the last reference goes. */
    final class Handle
    {
        public function __construct(public ?object $ptr, private string $free)
        {
        }

        public function close(): void
        {
            $p = $this->ptr;
            $this->ptr = null;
            if ($p !== null) {
                ($this->free)($p);
            }
        }

        public function __destruct()
        {
            $this->close();
        }
    }

    /**
     * Transport options of a client: timeouts, TLS, proxy, retries, rate limit, logging. Each
     * argument left null keeps the service's default (Odoo: 120 s total, 10 s connect, 3
     * attempts). Applied with the erplink_http_options_set_* setters when a client is created.
     *
     * $log receives (int $level, string $line) for every line at most as verbose as $logLevel
     * (Erplink\LOG_ERROR .. Erplink\LOG_TRACE); lines are redacted in C before PHP sees them.
     */
    final class Transport
    {
        /** @param array{int,int}|null $backoffMs  @param array{float,int}|null $retryBudget
         *  @param float|array{float,int}|null $rateLimit  @param array{int,int}|null $lowSpeed
         *  @param list<string> $secretNames */
        public function __construct(
            public readonly ?int $timeoutMs = null,
            public readonly ?int $connectTimeoutMs = null,
            public readonly ?string $caFile = null,
            public readonly ?string $caDir = null,
            public readonly ?string $proxy = null,
            public readonly ?int $maxAttempts = null,
            public readonly ?array $backoffMs = null,
            public readonly ?int $maxRetryAfterMs = null,
            public readonly ?bool $retryAll5xx = null,
            public readonly ?array $retryBudget = null,
            public readonly ?int $retrySeed = null,
            public readonly float|array|null $rateLimit = null,
            public readonly ?string $userAgent = null,
            public readonly ?array $lowSpeed = null,
            public readonly ?int $maxResponseBytes = null,
            public readonly ?bool $followRedirects = null,
            public readonly ?int $maxRedirects = null,
            public readonly ?int $poolSize = null,
            public readonly array $secretNames = [],
            public readonly ?\Closure $log = null,
            public readonly int $logLevel = LOG_INFO,
        ) {
        }

        /** @internal Applies the knobs to a service's embedded erplink_http_options (borrowed). */
        public function apply(object $http, ?float $timeout = null): void
        {
            $t = $this->timeoutMs ?? ($timeout === null ? null : (int)\round($timeout * 1000));
            if ($t !== null) {
                \erplink_http_options_set_timeout_ms($http, $t);
            }
            if ($this->connectTimeoutMs !== null) {
                \erplink_http_options_set_connect_timeout_ms($http, $this->connectTimeoutMs);
            }
            if ($this->caFile !== null) {
                \erplink_http_options_set_ca_file($http, $this->caFile);
            }
            if ($this->caDir !== null) {
                \erplink_http_options_set_ca_dir($http, $this->caDir);
            }
            if ($this->proxy !== null) {
                \erplink_http_options_set_proxy($http, $this->proxy);
            }
            if ($this->maxAttempts !== null) {
                \erplink_http_options_set_max_attempts($http, $this->maxAttempts);
            }
            if ($this->backoffMs !== null) {
                \erplink_http_options_set_backoff_ms($http, $this->backoffMs[0], $this->backoffMs[1]);
            }
            if ($this->maxRetryAfterMs !== null) {
                \erplink_http_options_set_max_retry_after_ms($http, $this->maxRetryAfterMs);
            }
            if ($this->retryAll5xx !== null) {
                \erplink_http_options_set_retry_all_5xx($http, (int)$this->retryAll5xx);
            }
            if ($this->retryBudget !== null) {
                \erplink_http_options_set_retry_budget($http, (float)$this->retryBudget[0], $this->retryBudget[1]);
            }
            if ($this->retrySeed !== null) {
                \erplink_http_options_set_retry_seed($http, $this->retrySeed);
            }
            if ($this->rateLimit !== null) {
                [$rps, $burst] = \is_array($this->rateLimit) ? $this->rateLimit : [$this->rateLimit, 1];
                \erplink_http_options_set_rate_limit($http, (float)$rps, $burst);
            }
            if ($this->userAgent !== null) {
                \erplink_http_options_set_user_agent($http, $this->userAgent);
            }
            if ($this->lowSpeed !== null) {
                \erplink_http_options_set_low_speed($http, $this->lowSpeed[0], $this->lowSpeed[1]);
            }
            if ($this->maxResponseBytes !== null) {
                \erplink_http_options_set_max_response_bytes($http, $this->maxResponseBytes);
            }
            if ($this->followRedirects !== null) {
                \erplink_http_options_set_follow_redirects($http, (int)$this->followRedirects);
            }
            if ($this->maxRedirects !== null) {
                \erplink_http_options_set_max_redirects($http, $this->maxRedirects);
            }
            if ($this->poolSize !== null) {
                \erplink_http_options_set_pool_size($http, $this->poolSize);
            }
            foreach ($this->secretNames as $name) {
                \erplink_http_options_add_secret_name($http, $name);
            }
            if ($this->log !== null) {
                // the client object holding this Transport keeps the Closure alive
                \erplink_http_options_set_log($http, $this->logLevel, $this->log);
            }
        }
    }

    /** @internal [] (an empty PHP array is an array) -> an empty struct. */
    function struct_(array|object $v): array|object
    {
        return $v === [] ? new \stdClass() : $v;
    }
}

namespace Erplink\Odoo {

    use Erplink\Handle;
    use Erplink\InvalidArgumentError;
    use Erplink\Transport;

    /**
     * A client of one Odoo database (odoo_client), over XML-RPC, JSON-RPC or JSON-2. No request
     * is sent by the constructor. Every method is one C call; a failure throws the Erplink\Error
     * subclass of its category, with $remoteClass and $detail (the server's traceback) when Odoo
     * sent them.
     */
    final class Client
    {
        public const PROTOCOLS = [
            'auto' => \Erplink\ODOO_PROTOCOL_AUTO,
            'xmlrpc' => \Erplink\ODOO_PROTOCOL_XMLRPC,
            'jsonrpc' => \Erplink\ODOO_PROTOCOL_JSONRPC,
            'json2' => \Erplink\ODOO_PROTOCOL_JSON2,
        ];

        private Handle $h;
        /** @var list<\WeakReference<Handle>> the open cursors, freed by close() */
        private array $cursors = [];
        private ?Transport $transport;

        /**
         * @param string $url the server's base URL (a path prefix is kept)
         * @param string|null $password a secret: wiped in C when freed, never logged
         * @param string|null $apiKey used instead of the password (the bearer token on JSON-2)
         * @param string $protocol "auto" (JSON-2 on Odoo >= 19 with an API key, else XML-RPC),
         *        "xmlrpc", "jsonrpc" or "json2"
         * @param float|null $timeout total timeout of one attempt in seconds (default 120)
         * @param array<string, mixed>|null $context default context: lang, tz, allowed_company_ids
         * @throws InvalidArgumentError no URL / database / credentials, unknown protocol or context key
         */
        public function __construct(
            string $url,
            string $db,
            ?string $login = null,
            ?string $password = null,
            ?string $apiKey = null,
            string $protocol = 'auto',
            ?float $timeout = null,
            ?Transport $transport = null,
            ?array $context = null,
        ) {
            if (!isset(self::PROTOCOLS[$protocol])) {
                throw new InvalidArgumentError("unknown protocol '$protocol' (auto, xmlrpc, jsonrpc, json2)");
            }
            $this->transport = $transport;
            $opts = new Handle(\erplink_odoo_options_new(), 'erplink_odoo_options_free');
            $o = $opts->ptr;
            \erplink_odoo_options_set_url($o, $url);
            \erplink_odoo_options_set_db($o, $db);
            if ($login !== null) {
                \erplink_odoo_options_set_login($o, $login);
            }
            if ($password !== null) {
                \erplink_odoo_options_set_password($o, $password);
            }
            if ($apiKey !== null) {
                \erplink_odoo_options_set_api_key($o, $apiKey);
            }
            \erplink_odoo_options_set_protocol($o, self::PROTOCOLS[$protocol]);
            foreach ($context ?? [] as $k => $v) {
                match ($k) {
                    'lang' => \erplink_odoo_options_set_lang($o, $v),
                    'tz' => \erplink_odoo_options_set_tz($o, $v),
                    'allowed_company_ids' => \erplink_odoo_options_set_allowed_company_ids($o, \array_values((array)$v)),
                    default => throw new InvalidArgumentError(
                        "context key '$k': the default context holds lang, tz and allowed_company_ids "
                        . "(pass other keys in kwargs['context'] of a call)"),
                };
            }
            ($transport ?? new Transport())->apply(\erplink_odoo_options_http($o), $timeout);
            $this->h = new Handle(\erplink_odoo_client_new($o), 'erplink_odoo_client_free');
            $opts->close();
        }

        /** Frees the client (odoo_client_free); open iterSearchRead generators stop. Idempotent. */
        public function close(): void
        {
            foreach ($this->cursors as $ref) {
                $ref->get()?->close();
            }
            $this->cursors = [];
            $this->h->close();
        }

        private function c(): object
        {
            return $this->h->ptr ?? throw new InvalidArgumentError('the client is closed');
        }

        /** The protocol in use: "xmlrpc", "jsonrpc" or "json2" ("auto" resolved). */
        public function protocol(): string
        {
            return \array_search(\erplink_odoo_client_protocol($this->c()), self::PROTOCOLS, true);
        }

        /** @return array<string, mixed> the server's version structure. */
        public function version(): array
        {
            return \erplink_odoo_client_version($this->c());
        }

        /** The server's major version (17, 19, ...), asked once and remembered. */
        public function serverVersion(): int
        {
            return \erplink_odoo_client_server_version($this->c());
        }

        /** Authenticates now (otherwise the first call does) and returns the uid (AuthError). */
        public function authenticate(): int
        {
            return \erplink_odoo_client_authenticate($this->c());
        }

        /**
         * model.method(*args, **kwargs); $idempotent: the call may be retried after a reset or
         * a 502/503/504 (odoo_client_call with ODOO_CALL_IDEMPOTENT).
         * @param list<mixed> $args  @param array<string, mixed>|object|null $kwargs
         */
        public function executeKw(string $model, string $method, array $args = [], array|object|null $kwargs = null,
                                  bool $idempotent = false): mixed
        {
            $kw = \Erplink\struct_($kwargs ?? []);
            if ($idempotent) {
                return \erplink_odoo_client_call($this->c(), $model, $method, \array_values($args), $kw,
                    \Erplink\ODOO_CALL_IDEMPOTENT);
            }
            return \erplink_odoo_client_execute_kw($this->c(), $model, $method, \array_values($args), $kw);
        }

        /** search(domain, offset, limit, order) -> ids ($limit 0: no limit). @return list<int> */
        public function search(string $model, array $domain = [], int $offset = 0, int $limit = 0,
                               ?string $order = null): array
        {
            return \erplink_odoo_client_search($this->c(), $model, $domain, $offset, $limit, $order);
        }

        /** search_count(domain). */
        public function searchCount(string $model, array $domain = []): int
        {
            return \erplink_odoo_client_search_count($this->c(), $model, $domain);
        }

        /** read(ids, fields) -> records ($fields null: all). @param int|list<int> $ids
         *  @param list<string>|null $fields @return list<array<string, mixed>> */
        public function read(string $model, int|array $ids, ?array $fields = null): array
        {
            return \erplink_odoo_client_read($this->c(), $model, $ids, $fields);
        }

        /** search_read(domain, fields, offset, limit, order) -> records.
         *  @param list<string>|null $fields @return list<array<string, mixed>> */
        public function searchRead(string $model, array $domain = [], ?array $fields = null, int $offset = 0,
                                   int $limit = 0, ?string $order = null): array
        {
            return \erplink_odoo_client_search_read($this->c(), $model, $domain, $fields, $offset, $limit, $order);
        }

        /**
         * create(vals): an associative array (or stdClass) gives the new id (odoo_client_create),
         * a list of them the list of new ids (odoo_client_create_many). Never retried once it may
         * have reached the server.
         * @param array<string, mixed>|list<array<string, mixed>>|object $vals
         * @return int|list<int>
         */
        public function create(string $model, array|object $vals): int|array
        {
            if (\is_object($vals) || !\array_is_list($vals) || $vals === []) {
                return \erplink_odoo_client_create($this->c(), $model, \Erplink\struct_($vals));
            }
            return \erplink_odoo_client_create_many($this->c(), $model, \array_map('Erplink\struct_', $vals));
        }

        /** write(ids, vals). @param int|list<int> $ids @param array<string, mixed>|object $vals */
        public function write(string $model, int|array $ids, array|object $vals): void
        {
            \erplink_odoo_client_write($this->c(), $model, $ids, \Erplink\struct_($vals));
        }

        /** unlink(ids). @param int|list<int> $ids */
        public function unlink(string $model, int|array $ids): void
        {
            \erplink_odoo_client_unlink($this->c(), $model, $ids);
        }

        /** fields_get(attributes=...) -> field descriptions ($attributes null: every attribute).
         *  @param list<string>|null $attributes @return array<string, array<string, mixed>> */
        public function fieldsGet(string $model, ?array $attributes = null): array
        {
            return \erplink_odoo_client_fields_get($this->c(), $model, $attributes);
        }

        /** name_search(name, domain, operator, limit) -> [[id, display_name], ...]. */
        public function nameSearch(string $model, string $name = '', ?array $domain = null, ?string $operator = null,
                                   int $limit = 0): array
        {
            return \erplink_odoo_client_name_search($this->c(), $model, $name, $domain ?? [], $operator, $limit);
        }

        /** read_group(domain, fields, groupby, offset, limit, orderby, lazy) -> groups.
         *  @param list<string> $fields @param list<string> $groupby */
        public function readGroup(string $model, array $domain, array $fields, array $groupby, int $offset = 0,
                                  int $limit = 0, ?string $orderby = null, bool $lazy = true): array
        {
            return \erplink_odoo_client_read_group($this->c(), $model, $domain, $fields, $groupby, $offset, $limit,
                $orderby, (int)$lazy);
        }

        /**
         * Every record matching $domain, in id order, read $pageSize at a time through an
         * odoo_cursor (`id > last` paging: memory bounded by one page). Leaving the loop early
         * (break, an exception, dropping the generator) frees the cursor; no request is in
         * flight between pages. Keys run 0, 1, 2, ... over the whole result.
         * @param list<string>|null $fields
         * @return \Generator<int, array<string, mixed>>
         */
        public function iterSearchRead(string $model, array $domain = [], ?array $fields = null,
                                       int $pageSize = 1000): \Generator
        {
            $cur = new Handle(\erplink_odoo_cursor_new($this->c(), $model, $domain, $fields, $pageSize),
                'erplink_odoo_cursor_free');
            $this->cursors = \array_values(\array_filter($this->cursors, fn ($r) => $r->get() !== null));
            $this->cursors[] = \WeakReference::create($cur);
            return $this->iterate($cur);
        }

        private function iterate(Handle $cur): \Generator
        {
            try {
                while (true) {
                    if ($cur->ptr === null || $this->h->ptr === null) {
                        throw new InvalidArgumentError('the client was closed during iterSearchRead');
                    }
                    $page = \erplink_odoo_cursor_next($cur->ptr);
                    if ($page === null) {
                        return;
                    }
                    foreach ($page as $record) {
                        yield $record;
                    }
                }
            } finally {
                $cur->close();
            }
        }

        public function __destruct()
        {
            $this->close();
        }
    }
}

namespace Erplink\Razorpay {

    use Erplink\Bytes;
    use Erplink\Handle;

    /** Length of a Razorpay signature (64 lowercase hex digits). */
    const SIGNATURE_LEN = \Erplink\RAZORPAY_SIGNATURE_LEN;

    /**
     * Verifies the X-Razorpay-Signature of a webhook body (the raw bytes, not a re-encoding)
     * with the webhook secret, or several (secret rotation: each is tried) -> the index of the
     * one that matched. SignatureError when none does, InvalidArgumentError for malformed input.
     * @param string|list<string> $secret
     */
    function verifyWebhook(string|Bytes $body, string $signature, string|array $secret): int
    {
        if (\is_string($secret)) {
            \erplink_razorpay_verify_webhook($body, $signature, $secret);
            return 0;
        }
        return \erplink_razorpay_verify_webhook_any($body, $signature, $secret);
    }

    /** Verifies Checkout's razorpay_signature of order_id|payment_id with the API key secret(s).
     *  @param string|list<string> $keySecret */
    function verifyPayment(string $orderId, string $paymentId, string $signature, string|array $keySecret): int
    {
        if (\is_string($keySecret)) {
            \erplink_razorpay_verify_payment($orderId, $paymentId, $signature, $keySecret);
            return 0;
        }
        return (new Verifier($keySecret))->verifyPayment($orderId, $paymentId, $signature);
    }

    /** Verifies a subscription payment's razorpay_signature of payment_id|subscription_id.
     *  @param string|list<string> $keySecret */
    function verifySubscription(string $paymentId, string $subscriptionId, string $signature,
                                string|array $keySecret): int
    {
        if (\is_string($keySecret)) {
            \erplink_razorpay_verify_subscription($paymentId, $subscriptionId, $signature, $keySecret);
            return 0;
        }
        return (new Verifier($keySecret))->verifySubscription($paymentId, $subscriptionId, $signature);
    }

    /** Verifies a payment link callback's razorpay_signature of
     *  payment_link_id|reference_id|status|payment_id ($referenceId may be "").
     *  @param string|list<string> $keySecret */
    function verifyPaymentLink(string $paymentLinkId, string $referenceId, string $status, string $paymentId,
                               string $signature, string|array $keySecret): int
    {
        if (\is_string($keySecret)) {
            \erplink_razorpay_verify_payment_link($paymentLinkId, $referenceId, $status, $paymentId, $signature,
                $keySecret);
            return 0;
        }
        return (new Verifier($keySecret))->verifyPaymentLink($paymentLinkId, $referenceId, $status, $paymentId,
            $signature);
    }

    /**
     * Secrets keyed once into HMAC-SHA256 states (razorpay_verifier), reused for any number of
     * verifications. Put the current secret first: the lowest matching index wins. The raw
     * secrets are not kept.
     */
    final class Verifier implements \Countable
    {
        private Handle $h;

        /** @param string|list<string> $secrets one secret or 1 to 64 of them */
        public function __construct(string|array $secrets)
        {
            $this->h = new Handle(\erplink_razorpay_verifier_new(\is_string($secrets) ? [$secrets] : $secrets),
                'erplink_razorpay_verifier_free');
        }

        public function count(): int
        {
            return \erplink_razorpay_verifier_count($this->h->ptr);
        }

        public function verifyWebhook(string|Bytes $body, string $signature): int
        {
            return \erplink_razorpay_verifier_verify_webhook($this->h->ptr, $body, $signature);
        }

        public function verifyPayment(string $orderId, string $paymentId, string $signature): int
        {
            return \erplink_razorpay_verifier_verify_payment($this->h->ptr, $orderId, $paymentId, $signature);
        }

        public function verifySubscription(string $paymentId, string $subscriptionId, string $signature): int
        {
            return \erplink_razorpay_verifier_verify_subscription($this->h->ptr, $paymentId, $subscriptionId,
                $signature);
        }

        public function verifyPaymentLink(string $paymentLinkId, string $referenceId, string $status,
                                          string $paymentId, string $signature): int
        {
            return \erplink_razorpay_verifier_verify_payment_link($this->h->ptr, $paymentLinkId, $referenceId,
                $status, $paymentId, $signature);
        }
    }

    /** @internal an optional int accessor: NotFoundError (absent or null) -> null */
    function optInt(string $fn, mixed ...$args): ?int
    {
        try {
            return $fn(...$args);
        } catch (\Erplink\NotFoundError) {
            return null;
        }
    }

    /** One entity of an event's payload, e.g. payload.payment.entity (razorpay_entity). */
    final class Entity
    {
        public readonly ?string $id;
        public readonly ?string $orderId;
        /** the amount in the smallest currency unit (paise), or null */
        public readonly ?int $amount;
        public readonly ?string $currency;
        public readonly ?string $status;
        public readonly ?string $email;
        public readonly ?string $contact;
        public readonly ?string $method;
        /** @var array<string, mixed> the notes (Razorpay's [] for empty notes gives []) */
        public readonly array $notes;
        /** @var array<string, mixed> the entity object itself */
        public readonly array $raw;

        /** @internal */
        public function __construct(private object $ptr, private Handle $owner)
        {
            $this->id = \erplink_razorpay_entity_id($ptr);
            $this->orderId = \erplink_razorpay_entity_order_id($ptr);
            $this->amount = optInt('erplink_razorpay_entity_amount', $ptr);
            $this->currency = \erplink_razorpay_entity_currency($ptr);
            $this->status = \erplink_razorpay_entity_status($ptr);
            $this->email = \erplink_razorpay_entity_email($ptr);
            $this->contact = \erplink_razorpay_entity_contact($ptr);
            $this->method = \erplink_razorpay_entity_method($ptr);
            $this->notes = \erplink_razorpay_entity_notes($ptr);
            $this->raw = \erplink_razorpay_entity_raw($ptr);
        }

        /** A string member by name (null when absent, null or not a string). */
        public function string(string $name): ?string
        {
            return \erplink_razorpay_entity_string($this->ptr, $name);
        }

        /** An integer member by name (null when absent or null; ValidationError when not an integer). */
        public function integer(string $name): ?int
        {
            return optInt('erplink_razorpay_entity_int', $this->ptr, $name);
        }
    }

    /** A parsed webhook event (razorpay_event); immutable. */
    final class Event
    {
        public readonly ?string $id;
        public readonly string $name;
        public readonly ?string $accountId;
        public readonly ?int $createdAt;
        /** @var list<string> */
        public readonly array $contains;
        /** @var array<string, mixed> the whole decoded body */
        public readonly array $root;
        /** @var array<string, mixed>|null */
        public readonly ?array $payload;
        private Handle $h;

        /** @internal */
        public function __construct(object $ptr)
        {
            $this->h = new Handle($ptr, 'erplink_razorpay_event_free');
            $this->id = \erplink_razorpay_event_id($ptr);
            $this->name = \erplink_razorpay_event_name($ptr);
            $this->accountId = \erplink_razorpay_event_account_id($ptr);
            $this->createdAt = optInt('erplink_razorpay_event_created_at', $ptr);
            $contains = [];
            for ($i = 0, $n = \erplink_razorpay_event_contains_count($ptr); $i < $n; $i++) {
                $contains[] = \erplink_razorpay_event_contains_at($ptr, $i);
            }
            $this->contains = $contains;
            $this->root = \erplink_razorpay_event_root($ptr);
            $this->payload = \erplink_razorpay_event_payload($ptr);
        }

        /** payload.<name>.entity ("payment", "order", "refund", ...), or null. */
        public function entity(string $name): ?Entity
        {
            $p = \erplink_razorpay_event_entity($this->h->ptr, $name);
            return $p !== null ? new Entity($p, $this->h) : null;
        }

        public function payment(): ?Entity
        {
            return $this->entity('payment');
        }

        public function order(): ?Entity
        {
            return $this->entity('order');
        }
    }

    /**
     * Parses a webhook body (verify it first) into an Event. ProtocolError: not JSON;
     * ValidationError: not an event; InvalidArgumentError: an empty body.
     */
    function parseEvent(string|Bytes $body, ?string $eventId = null): Event
    {
        return new Event(\erplink_razorpay_event_parse($body, $eventId));
    }
}
