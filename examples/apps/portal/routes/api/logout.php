<?php
// POST /api/logout: clears the session cookie.
declare(strict_types=1);

namespace Portal;

run(function () {
    require_method('POST');
    logout();
    return ['ok' => true];
});
