<?php
// The portal's own users (a small SQLite table: email, password hash, the Odoo partner they
// linked to) and their session: a cookie "<uid>.<expiry>.<HMAC-SHA256>" signed with
// PORTAL_SECRET, HttpOnly and SameSite=Strict (so no other site can send requests with it).
// Every Odoo endpoint scopes its domains to the partner stored here, never to an id the
// request carries.
declare(strict_types=1);

namespace Portal;

final class Store
{
    private static ?\PDO $pdo = null;

    public static function db(): \PDO
    {
        if (self::$pdo === null) {
            $path = config('PORTAL_DB');
            $pdo = new \PDO('sqlite:' . $path, null, null, [\PDO::ATTR_ERRMODE => \PDO::ERRMODE_EXCEPTION]);
            $pdo->exec('PRAGMA busy_timeout = 5000');
            $pdo->exec('CREATE TABLE IF NOT EXISTS users (
                id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE COLLATE NOCASE, password_hash TEXT NOT NULL,
                partner_id INTEGER, commercial_partner_id INTEGER, partner_name TEXT, linked_at TEXT)');
            $pdo->exec('CREATE TABLE IF NOT EXISTS capabilities (
                key TEXT PRIMARY KEY, value TEXT NOT NULL, checked_at INTEGER NOT NULL)');
            self::$pdo = $pdo;
        }
        return self::$pdo;
    }

    /** @return array<string, mixed>|null */
    public static function user(int $id): ?array
    {
        $st = self::db()->prepare('SELECT * FROM users WHERE id = ?');
        $st->execute([$id]);
        return $st->fetch(\PDO::FETCH_ASSOC) ?: null;
    }

    public static function addUser(string $email, string $password): int
    {
        $st = self::db()->prepare('INSERT INTO users (email, password_hash) VALUES (?, ?)');
        $st->execute([strtolower($email), password_hash($password, PASSWORD_DEFAULT)]);
        return (int)self::db()->lastInsertId();
    }

    public static function link(int $uid, int $partnerId, int $commercialId, string $name): void
    {
        $st = self::db()->prepare('UPDATE users SET partner_id = ?, commercial_partner_id = ?, partner_name = ?,
            linked_at = ? WHERE id = ?');
        $st->execute([$partnerId, $commercialId, $name, gmdate('Y-m-d\TH:i:s\Z'), $uid]);
    }
}

const COOKIE = 'portal_session';

function sign(string $payload): string
{
    return rtrim(strtr(base64_encode(hash_hmac('sha256', $payload, config('PORTAL_SECRET'), true)), '+/', '-_'), '=');
}

/** POST /api/login: checks the password, sets the session cookie. @return array<string, mixed> */
function login(string $email, string $password): array
{
    $st = Store::db()->prepare('SELECT * FROM users WHERE email = ?');
    $st->execute([strtolower($email)]);
    $u = $st->fetch(\PDO::FETCH_ASSOC);
    // verify against a dummy hash when there is no such user: the same work either way
    $hash = $u['password_hash'] ?? '$2y$10$NxVbeLvWuypyoTK1QkHwRucOsVznjv/TyDZUGzoOTbM4x8pvq4Gl.';
    if (!password_verify($password, $hash) || !$u) {
        throw new HttpError(401, 'invalid_credentials', 'Wrong email or password.');
    }
    $exp = time() + (int)config('PORTAL_SESSION_SECONDS');
    $payload = $u['id'] . '.' . $exp;
    setcookie(COOKIE, $payload . '.' . sign($payload), [
        'expires' => $exp, 'path' => '/', 'httponly' => true, 'samesite' => 'Strict',
        'secure' => config('PORTAL_COOKIE_SECURE') === '1',
    ]);
    return public_user($u);
}

function logout(): void
{
    setcookie(COOKIE, '', ['expires' => 1, 'path' => '/', 'httponly' => true, 'samesite' => 'Strict']);
}

/** The logged-in portal user (401 without a valid session). @return array<string, mixed> */
function current_user(): array
{
    $c = $_COOKIE[COOKIE] ?? '';
    if (!is_string($c) || !preg_match('/^([1-9][0-9]{0,9})\.([0-9]{1,12})\.([A-Za-z0-9_-]{43})$/', $c, $m)
        || !hash_equals(sign("$m[1].$m[2]"), $m[3]) || (int)$m[2] < time()) {
        throw new HttpError(401, 'not_logged_in', 'Log in first.');
    }
    $u = Store::user((int)$m[1]);
    if ($u === null) {
        throw new HttpError(401, 'not_logged_in', 'Log in first.');
    }
    return $u;
}

/** The logged-in user's Odoo customer: 403 until the account is linked. @return array{uid: int, email: string, partner_id: int, commercial_partner_id: int, name: string} */
function current_customer(): array
{
    $u = current_user();
    if ($u['partner_id'] === null) {
        throw new HttpError(403, 'not_linked', 'Link your account to your customer record first (POST /api/odoo/link-customer).');
    }
    return ['uid' => (int)$u['id'], 'email' => $u['email'], 'partner_id' => (int)$u['partner_id'],
            'commercial_partner_id' => (int)$u['commercial_partner_id'], 'name' => (string)$u['partner_name']];
}

/** @param array<string, mixed> $u @return array<string, mixed> */
function public_user(array $u): array
{
    return ['email' => $u['email'], 'linked' => $u['partner_id'] !== null,
            'customer' => $u['partner_id'] !== null ? ['id' => (int)$u['partner_id'], 'name' => $u['partner_name']] : null];
}
