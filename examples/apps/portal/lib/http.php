<?php
// JSON in, JSON out, and the one place where failures become answers: an HttpError (input,
// session, ownership), an Erplink\Error (Odoo: mapped by category, never with the traceback,
// the remote class or anything the server said about its internals), anything else (500).
declare(strict_types=1);

namespace Portal;

/** A failure the client is told about: HTTP status, a stable error code, a message. */
final class HttpError extends \Exception
{
    /** @param array<string, mixed> $extra more members of the error object */
    public function __construct(public readonly int $status, public readonly string $errorCode, string $message,
                                public readonly array $extra = [], public readonly array $headers = [])
    {
        parent::__construct($message);
    }
}

/** @param array<string, mixed> $body @param array<string, string> $headers */
function respond(int $status, array $body, array $headers = []): void
{
    http_response_code($status);
    header('Content-Type: application/json; charset=utf-8');
    header('Cache-Control: no-store');
    header('X-Content-Type-Options: nosniff');
    foreach ($headers as $k => $v) {
        header("$k: $v");
    }
    echo json_encode($body, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PRESERVE_ZERO_FRACTION
        | JSON_THROW_ON_ERROR), "\n";
}

function require_method(string ...$methods): string
{
    $m = $_SERVER['REQUEST_METHOD'] ?? 'GET';
    if (!in_array($m, $methods, true)) {
        throw new HttpError(405, 'method_not_allowed', "use " . implode(' or ', $methods), [],
            ['Allow' => implode(', ', $methods)]);
    }
    return $m;
}

/** The request's JSON object (Content-Type application/json, at most 64 KiB). @return array<string, mixed> */
function json_body(): array
{
    $type = strtolower(trim(explode(';', $_SERVER['CONTENT_TYPE'] ?? '')[0]));
    if ($type !== 'application/json') {
        throw new HttpError(415, 'unsupported_media_type', 'send a JSON object (Content-Type: application/json)');
    }
    $raw = file_get_contents('php://input', false, null, 0, 65537);
    if ($raw === false || strlen($raw) > 65536) {
        throw new HttpError(413, 'too_large', 'the request body is over 64 KiB');
    }
    try {
        $v = json_decode($raw === '' ? '{}' : $raw, true, 16, JSON_THROW_ON_ERROR);
    } catch (\JsonException) {
        throw new HttpError(400, 'invalid_json', 'the body is not valid JSON');
    }
    if (!is_array($v) || ($v !== [] && array_is_list($v))) {
        throw new HttpError(400, 'invalid_json', 'the body must be a JSON object');
    }
    return $v;
}

/** A required string field, trimmed, 1..$max characters of valid UTF-8. */
function str_field(array $body, string $name, int $max, bool $required = true): ?string
{
    $v = $body[$name] ?? null;
    if ($v === null && !$required) {
        return null;
    }
    if (!is_string($v) || !preg_match('//u', $v) || ($v = trim($v)) === '' || iconv_strlen($v, 'UTF-8') > $max) {
        throw new HttpError(422, 'invalid_field', "'$name' must be a non-empty text of at most $max characters",
            ['field' => $name]);
    }
    return $v;
}

/** A positive integer id from a query/form/JSON value ("42" or 42). */
function id_field(mixed $v, string $name): int
{
    if (is_int($v) || (is_string($v) && preg_match('/^[1-9][0-9]{0,9}$/', $v))) {
        $i = (int)$v;
        if ($i > 0 && $i <= 2147483647) {
            return $i;
        }
    }
    throw new HttpError(422, 'invalid_field', "'$name' must be a positive integer id", ['field' => $name]);
}

/**
 * An Odoo failure as the client sees it (an Erplink\Error, or the curl client's OdooRpcError:
 * both carry the category of erplink's error model). The category decides; the message is the
 * portal's own (Odoo's is only passed on for a validation error: its first line, bounded), so
 * tracebacks, remote classes, URLs and credentials never leave the server. The error goes to
 * the server's log (erplink's messages are already free of credentials).
 */
function odoo_error(\Erplink\Error|OdooRpcError $e): HttpError
{
    error_log(sprintf('[portal] odoo %s %s: %s%s', get_class($e), $e->codeName ?? '', $e->getMessage(),
        $e->remoteClass ? " ({$e->remoteClass})" : ''));
    $retry = $e->retryAfterMs !== null ? ['Retry-After' => (string)max(1, intdiv($e->retryAfterMs + 999, 1000))] : [];
    return match ($e->category) {
        'network', 'timeout', 'tls', 'rate_limited', 'cancelled'
            => new HttpError(503, 'odoo_unavailable', 'The ERP cannot be reached right now; try again later.', [],
                $retry ?: ['Retry-After' => '30']),
        'validation' => new HttpError(422, 'odoo_rejected', first_line($e->getMessage())),
        'not_found' => new HttpError(404, 'not_found', 'The record does not exist.'),
        'conflict' => new HttpError(409, 'conflict', 'The record is being changed; try again.'),
        'invalid_argument' => new HttpError(400, 'invalid_input', 'The request holds a value the portal cannot send.'),
        default => $e->codeName === 'EUNAVAILABLE'
            ? new HttpError(503, 'odoo_unavailable', 'The ERP cannot be reached right now; try again later.', [], ['Retry-After' => '30'])
            : new HttpError(502, 'odoo_error', 'The ERP could not answer this request.'),
    };
}

/** The first line of an Odoo message, without what erplink prefixes ("odoo: model.method: "). */
function first_line(string $m): string
{
    $m = preg_replace('/^odoo: [\w.]+(\.\w+)?: /', '', $m) ?? $m;
    $m = trim(strtok($m, "\n") ?: '');
    return iconv_substr($m === '' ? 'The ERP refused the data.' : $m, 0, 200, 'UTF-8') ?: 'The ERP refused the data.';
}

/** Runs a route: its array is the 200 answer (or [status, array]); every failure is JSON. */
function run(callable $route): void
{
    try {
        $r = $route();
        [$status, $body] = isset($r[0], $r[1]) && is_int($r[0]) && count($r) === 2 ? $r : [200, $r];
        respond($status, $body);
    } catch (HttpError $e) {
        respond($e->status, ['error' => ['code' => $e->errorCode, 'message' => $e->getMessage()] + $e->extra], $e->headers);
    } catch (\Erplink\Error|OdooRpcError $e) {
        $h = odoo_error($e);
        respond($h->status, ['error' => ['code' => $h->errorCode, 'message' => $h->getMessage()]], $h->headers);
    } catch (\Throwable $e) {
        error_log(sprintf('[portal] %s: %s at %s:%d', get_class($e), $e->getMessage(), $e->getFile(), $e->getLine()));
        respond(500, ['error' => ['code' => 'internal', 'message' => 'Something went wrong on the portal.']]);
    }
}
