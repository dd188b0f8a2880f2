<?php
// POST /api/login {"email", "password"} -> the portal user; sets the session cookie.
declare(strict_types=1);

namespace Portal;

run(function () {
    require_method('POST');
    $b = json_body();
    $email = str_field($b, 'email', 254);
    $password = $b['password'] ?? null;
    if (!is_string($password) || $password === '' || strlen($password) > 1024) {
        throw new HttpError(422, 'invalid_field', "'password' is required", ['field' => 'password']);
    }
    return ['user' => login($email, $password)];
});
