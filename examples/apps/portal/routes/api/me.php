<?php
// GET /api/me: the logged-in portal user and the customer it is linked to.
declare(strict_types=1);

namespace Portal;

run(function () {
    require_method('GET');
    return ['user' => public_user(current_user())];
});
