<?php
// The portal's Odoo calls go through a Gateway: the few ORM calls it makes, nothing more.
// ErplinkGateway is the portal's (the erplink PHP extension: JSON-RPC with an API key, retries
// of the idempotent reads, typed errors); CurlGateway is the hand-written JSON-RPC client a PHP
// portal has without it (curl + json_decode), kept for the side-by-side benchmark
// (bench/php/portal_billing.php) and selectable with PORTAL_ODOO_CLIENT=curl.
declare(strict_types=1);

namespace Portal;

interface Gateway
{
    /** @return list<array<string, mixed>> */
    public function searchRead(string $model, array $domain, array $fields, ?string $order = null, int $limit = 0): array;

    public function searchCount(string $model, array $domain): int;

    /** @param array<string, mixed> $vals */
    public function create(string $model, array $vals): int;

    /** @return array<string, array<string, mixed>> */
    public function fieldsGet(string $model, array $attributes): array;

    public function serverVersion(): int;
}

final class ErplinkGateway implements Gateway
{
    public function __construct(private \Erplink\Odoo\Client $c)
    {
    }

    public static function fromConfig(): self
    {
        return new self(new \Erplink\Odoo\Client(
            config('ODOO_URL'), config('ODOO_DB'), config('ODOO_LOGIN'), apiKey: config('ODOO_API_KEY'),
            protocol: config('ODOO_PROTOCOL'), timeout: (float)config('ODOO_TIMEOUT'),
            transport: new \Erplink\Transport(userAgent: 'erplink-portal/1')));
    }

    public function searchRead(string $model, array $domain, array $fields, ?string $order = null, int $limit = 0): array
    {
        return $this->c->searchRead($model, $domain, $fields, limit: $limit, order: $order);
    }

    public function searchCount(string $model, array $domain): int
    {
        return $this->c->searchCount($model, $domain);
    }

    public function create(string $model, array $vals): int
    {
        return $this->c->create($model, $vals);
    }

    public function fieldsGet(string $model, array $attributes): array
    {
        return $this->c->fieldsGet($model, $attributes);
    }

    public function serverVersion(): int
    {
        return $this->c->serverVersion();
    }
}

/** A failure of CurlGateway, in erplink's terms (category names of erplink/error.h). */
final class OdooRpcError extends \RuntimeException
{
    public function __construct(string $message, public readonly string $category, public readonly ?string $codeName = null,
                                public readonly ?string $remoteClass = null, public readonly ?int $retryAfterMs = null)
    {
        parent::__construct($message);
    }
}

/** JSON-RPC over PHP's curl and json_decode: what a portal writes by hand without erplink. */
final class CurlGateway implements Gateway
{
    private \CurlHandle $h;
    private ?int $uid = null;
    private ?int $version = null;
    private int $id = 0;

    public function __construct(private string $url, private string $db, private string $login, private string $key,
                                private float $timeout = 120.0)
    {
        $this->h = curl_init();
        curl_setopt_array($this->h, [
            CURLOPT_URL => rtrim($url, '/') . '/jsonrpc', CURLOPT_POST => true, CURLOPT_RETURNTRANSFER => true,
            CURLOPT_HTTPHEADER => ['Content-Type: application/json'], CURLOPT_TIMEOUT_MS => (int)($timeout * 1000),
            CURLOPT_CONNECTTIMEOUT => 10, CURLOPT_USERAGENT => 'portal-curl/1',
        ]);
    }

    public static function fromConfig(): self
    {
        return new self(config('ODOO_URL'), config('ODOO_DB'), config('ODOO_LOGIN'), config('ODOO_API_KEY'),
            (float)config('ODOO_TIMEOUT'));
    }

    private function rpc(string $service, string $method, array $args): mixed
    {
        $body = json_encode(['jsonrpc' => '2.0', 'method' => 'call', 'id' => ++$this->id,
                             'params' => ['service' => $service, 'method' => $method, 'args' => $args]],
            JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PRESERVE_ZERO_FRACTION | JSON_THROW_ON_ERROR);
        curl_setopt($this->h, CURLOPT_POSTFIELDS, $body);
        $raw = curl_exec($this->h);
        if ($raw === false) {
            $errno = curl_errno($this->h);
            throw new OdooRpcError('curl: ' . curl_error($this->h), $errno === CURLE_OPERATION_TIMEDOUT ? 'timeout' : 'network');
        }
        $status = curl_getinfo($this->h, CURLINFO_RESPONSE_CODE);
        $j = json_decode($raw, true);
        if ($status !== 200 || !is_array($j)) {
            throw new OdooRpcError("HTTP $status, not JSON-RPC", in_array($status, [502, 503, 504], true) ? 'network' : 'protocol');
        }
        if (isset($j['error'])) {
            $cls = $j['error']['data']['name'] ?? '';
            $cat = match (true) {
                str_ends_with($cls, 'AccessDenied') => 'auth',
                str_ends_with($cls, 'AccessError') => 'access',
                str_ends_with($cls, 'MissingError') => 'not_found',
                str_ends_with($cls, 'ValidationError'), str_ends_with($cls, 'UserError') => 'validation',
                default => 'server',
            };
            throw new OdooRpcError($j['error']['data']['message'] ?? 'Odoo error', $cat, null, $cls ?: null);
        }
        return $j['result'] ?? null;
    }

    private function uid(): int
    {
        if ($this->uid === null) {
            $uid = $this->rpc('common', 'authenticate', [$this->db, $this->login, $this->key, new \stdClass()]);
            if (!is_int($uid)) {
                throw new OdooRpcError('authentication failed', 'auth');
            }
            $this->uid = $uid;
        }
        return $this->uid;
    }

    private function call(string $model, string $method, array $args, array $kwargs): mixed
    {
        return $this->rpc('object', 'execute_kw', [$this->db, $this->uid(), $this->key, $model, $method, $args,
            $kwargs === [] ? new \stdClass() : $kwargs]);
    }

    public function searchRead(string $model, array $domain, array $fields, ?string $order = null, int $limit = 0): array
    {
        $kw = ['fields' => $fields];
        if ($order !== null) {
            $kw['order'] = $order;
        }
        if ($limit > 0) {
            $kw['limit'] = $limit;
        }
        return $this->call($model, 'search_read', [$domain], $kw);
    }

    public function searchCount(string $model, array $domain): int
    {
        return $this->call($model, 'search_count', [$domain], []);
    }

    public function create(string $model, array $vals): int
    {
        return $this->call($model, 'create', [$vals], []);
    }

    public function fieldsGet(string $model, array $attributes): array
    {
        return $this->call($model, 'fields_get', [], ['attributes' => $attributes]);
    }

    public function serverVersion(): int
    {
        return $this->version ??= (int)($this->rpc('common', 'version', [])['server_version_info'][0] ?? 0);
    }
}

/** The request's gateway (one per request: PHP shares nothing between requests). */
function gateway(): Gateway
{
    static $gw = null;
    return $gw ??= config('PORTAL_ODOO_CLIENT') === 'curl' ? CurlGateway::fromConfig() : ErplinkGateway::fromConfig();
}
