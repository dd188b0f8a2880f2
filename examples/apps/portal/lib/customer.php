<?php
// What a customer sees, read from Odoo through a Gateway. Every domain starts with the
// customer's commercial partner (['partner_id', 'child_of', id]: the company and its
// contacts, as Odoo's own portal scopes documents), taken from the session, never from the
// request. Pure reads and shaping: no call here is made twice per answer.
declare(strict_types=1);

namespace Portal;

/**
 * What the Odoo database offers, detected once and cached in the portal's SQLite store for
 * PORTAL_CAPABILITY_TTL seconds (not per request): whether the helpdesk app is installed (else
 * support tickets are project.task records of the project named PORTAL_SUPPORT_PROJECT),
 * whether sale orders carry delivery_status (sale_stock), and the server's major version.
 */
final class Capabilities
{
    /** @return array{tickets: string, support_project: ?int, delivery_status: bool, version: int} */
    public static function get(Gateway $gw): array
    {
        $db = Store::db();
        $ttl = (int)config('PORTAL_CAPABILITY_TTL');
        $st = $db->prepare('SELECT value, checked_at FROM capabilities WHERE key = ?');
        $st->execute(['odoo']);
        $row = $st->fetch(\PDO::FETCH_ASSOC);
        if ($row && (int)$row['checked_at'] > time() - $ttl) {
            return json_decode($row['value'], true, 8, JSON_THROW_ON_ERROR);
        }
        $helpdesk = $gw->searchCount('ir.model', [['model', '=', 'helpdesk.ticket']]) > 0;
        $project = null;
        if (!$helpdesk) {
            $p = $gw->searchRead('project.project', [['name', '=', config('PORTAL_SUPPORT_PROJECT')]], ['id'], 'id', 2);
            $project = count($p) === 1 ? (int)$p[0]['id'] : null;
        }
        $caps = [
            'tickets' => $helpdesk ? 'helpdesk' : ($project !== null ? 'project' : 'none'),
            'support_project' => $project,
            'delivery_status' => array_key_exists('delivery_status', $gw->fieldsGet('sale.order', ['type'])),
            'version' => $gw->serverVersion(),
        ];
        $db->prepare('INSERT OR REPLACE INTO capabilities (key, value, checked_at) VALUES (?, ?, ?)')
           ->execute(['odoo', json_encode($caps), time()]);
        return $caps;
    }
}

function m2o_name(mixed $v): ?string
{
    return is_array($v) && isset($v[1]) && is_string($v[1]) ? $v[1] : null;
}

function m2o_id(mixed $v): ?int
{
    return is_array($v) && isset($v[0]) && is_int($v[0]) ? $v[0] : null;
}

function date_or_null(mixed $v): ?string
{
    return is_string($v) && $v !== '' ? $v : null;
}

function scope(array $c): array
{
    return ['partner_id', 'child_of', $c['commercial_partner_id']];
}

/** Active services: the lines of confirmed sale orders, Starlink products flagged by name. */
function services(Gateway $gw, array $c): array
{
    $lines = $gw->searchRead('sale.order.line',
        [['order_partner_id', 'child_of', $c['commercial_partner_id']], ['state', '=', 'sale']],
        ['order_id', 'product_id', 'name', 'product_uom_qty', 'qty_delivered', 'price_subtotal'], 'id asc', 200);
    $out = [];
    foreach ($lines as $l) {
        $product = m2o_name($l['product_id']) ?? '';
        $out[] = [
            'id' => $l['id'], 'order' => m2o_name($l['order_id']), 'product' => $product,
            'description' => is_string($l['name']) ? $l['name'] : $product,
            'quantity' => (float)$l['product_uom_qty'], 'delivered' => (float)$l['qty_delivered'],
            'subtotal' => (float)$l['price_subtotal'],
            'starlink' => stripos($product . ' ' . (is_string($l['name']) ? $l['name'] : ''), 'starlink') !== false,
        ];
    }
    return ['services' => $out, 'count' => count($out),
            'starlink_count' => count(array_filter($out, fn ($s) => $s['starlink']))];
}

/**
 * Posted customer invoices (amount, residual, due date, payment state), the arrears (residuals
 * past due, with days overdue) and the payment history (inbound payments that are not drafts
 * or cancelled). Two search_read calls.
 */
function billing(Gateway $gw, array $c, ?string $today = null): array
{
    $today ??= gmdate('Y-m-d');
    $t = new \DateTimeImmutable($today, new \DateTimeZone('UTC'));
    $invoices = $gw->searchRead('account.move',
        [scope($c), ['move_type', '=', 'out_invoice'], ['state', '=', 'posted']],
        ['name', 'invoice_date', 'invoice_date_due', 'amount_total', 'amount_residual', 'payment_state', 'currency_id'],
        'invoice_date_due asc, id asc', 500);
    $payments = $gw->searchRead('account.payment',
        [scope($c), ['payment_type', '=', 'inbound'], ['state', 'not in', ['draft', 'cancel', 'canceled', 'rejected']]],
        ['name', 'date', 'amount', 'currency_id', 'state'], 'date desc, id desc', 100);
    $rows = [];
    $arrears = $outstanding = 0.0;
    $overdueCount = $oldest = 0;
    foreach ($invoices as $i) {
        $residual = (float)$i['amount_residual'];
        $due = date_or_null($i['invoice_date_due']);
        $settled = in_array($i['payment_state'], ['paid', 'in_payment', 'reversed'], true);
        $days = 0;
        if ($residual > 0 && !$settled && $due !== null && $due < $today) {
            $days = (int)(new \DateTimeImmutable($due, new \DateTimeZone('UTC')))->diff($t)->days;
            $arrears += $residual;
            $overdueCount++;
            $oldest = max($oldest, $days);
        }
        if (!$settled) {
            $outstanding += $residual;
        }
        $rows[] = [
            'id' => $i['id'], 'number' => is_string($i['name']) ? $i['name'] : null,
            'date' => date_or_null($i['invoice_date']), 'due_date' => $due,
            'amount' => (float)$i['amount_total'], 'residual' => $residual,
            'currency' => m2o_name($i['currency_id']), 'payment_state' => $i['payment_state'],
            'overdue' => $days > 0, 'days_overdue' => $days,
        ];
    }
    return [
        'invoices' => $rows,
        'arrears' => ['amount' => round($arrears, 2), 'invoices' => $overdueCount, 'oldest_days_overdue' => $oldest],
        'outstanding' => round($outstanding, 2),
        'payments' => array_map(fn ($p) => [
            'id' => $p['id'], 'number' => $p['name'], 'date' => date_or_null($p['date']), 'amount' => (float)$p['amount'],
            'currency' => m2o_name($p['currency_id']), 'state' => $p['state'],
        ], $payments),
        'as_of' => $today,
    ];
}

/** The tracking stage of an order: from its state and, with sale_stock, its delivery status. */
function tracking(string $state, mixed $delivery): array
{
    [$stage, $label, $step] = match (true) {
        in_array($state, ['draft', 'sent'], true) => ['quotation', 'Quotation', 1],
        $state === 'cancel' => ['cancelled', 'Cancelled', 0],
        $delivery === 'full' => ['delivered', 'Delivered', 4],
        $delivery === 'partial' => ['partially_delivered', 'Partially delivered', 3],
        $delivery === 'started' => ['preparing', 'Preparing shipment', 3],
        $delivery === 'pending' => ['processing', 'Processing', 2],
        default => ['confirmed', 'Confirmed', 2],
    };
    return ['stage' => $stage, 'label' => $label, 'step' => $step, 'steps' => 4];
}

function orders(Gateway $gw, array $c, array $caps): array
{
    $fields = ['name', 'date_order', 'state', 'amount_total', 'currency_id', 'invoice_status'];
    if ($caps['delivery_status']) {
        $fields[] = 'delivery_status';
    }
    $orders = $gw->searchRead('sale.order', [scope($c)], $fields, 'date_order desc, id desc', 100);
    return ['orders' => array_map(fn ($o) => [
        'id' => $o['id'], 'number' => $o['name'], 'date' => date_or_null($o['date_order']), 'state' => $o['state'],
        'amount' => (float)$o['amount_total'], 'currency' => m2o_name($o['currency_id']),
        'invoice_status' => $o['invoice_status'] ?: null, 'delivery_status' => ($o['delivery_status'] ?? false) ?: null,
        'tracking' => tracking((string)$o['state'], $o['delivery_status'] ?? null),
    ], $orders)];
}

/** @return array{0: string, 1: array} the model of support tickets and the customer's domain */
function ticket_model(array $c, array $caps): array
{
    return match ($caps['tickets']) {
        'helpdesk' => ['helpdesk.ticket', [scope($c)]],
        'project' => ['project.task', [['project_id', '=', $caps['support_project']], scope($c)]],
        default => throw new HttpError(503, 'support_unavailable',
            'Support tickets are not available: the ERP has neither the helpdesk app nor a "'
            . config('PORTAL_SUPPORT_PROJECT') . '" project.'),
    };
}

function tickets(Gateway $gw, array $c, array $caps): array
{
    [$model, $domain] = ticket_model($c, $caps);
    $rows = $gw->searchRead($model, $domain, ['name', 'stage_id', 'create_date', 'priority'], 'create_date desc, id desc', 100);
    return ['backend' => $caps['tickets'], 'tickets' => array_map(fn ($t) => [
        'id' => $t['id'], 'subject' => $t['name'], 'stage' => m2o_name($t['stage_id']),
        'created' => date_or_null($t['create_date']), 'priority' => $t['priority'] ?: null,
    ], $rows)];
}

function create_ticket(Gateway $gw, array $c, array $caps, string $subject, string $description): array
{
    [$model] = ticket_model($c, $caps);
    $vals = ['name' => $subject, 'partner_id' => $c['partner_id'],
             // an HTML field: the customer's text, escaped, line breaks kept
             'description' => '<p>' . nl2br(htmlspecialchars($description, ENT_QUOTES | ENT_SUBSTITUTE, 'UTF-8')) . '</p>'];
    if ($model === 'project.task') {
        $vals['project_id'] = $caps['support_project'];
    }
    return ['id' => $gw->create($model, $vals), 'backend' => $caps['tickets']];
}

/** The customer's posted invoice $id (404 for anyone else's, a draft, a credit note, or none). */
function own_invoice(Gateway $gw, array $c, int $id): array
{
    $r = $gw->searchRead('account.move', [['id', '=', $id], scope($c), ['move_type', '=', 'out_invoice'], ['state', '=', 'posted']],
        ['name', 'amount_residual', 'payment_state', 'currency_id'], null, 1);
    if ($r === []) {
        throw new HttpError(404, 'invoice_not_found', 'No such invoice among yours.');
    }
    return $r[0];
}

/** PDF, JPEG or PNG by the file's first bytes (not its name or the browser's claim). */
function sniff(string $head): ?array
{
    return match (true) {
        str_starts_with($head, '%PDF-') => ['application/pdf', 'pdf'],
        str_starts_with($head, "\x89PNG\r\n\x1a\n") => ['image/png', 'png'],
        str_starts_with($head, "\xFF\xD8\xFF") => ['image/jpeg', 'jpg'],
        default => null,
    };
}

/**
 * A proof of a bank transfer: stored as an ir.attachment on the invoice, and a draft inbound
 * payment (amount: the one declared, else the residual) for the accountant to verify.
 */
function upload_proof(Gateway $gw, array $c, array $caps, int $invoiceId, string $content, string $mime, string $ext,
                      ?float $amount, ?string $reference): array
{
    $inv = own_invoice($gw, $c, $invoiceId);
    $residual = (float)$inv['amount_residual'];
    if ($residual <= 0 || in_array($inv['payment_state'], ['paid', 'in_payment', 'reversed'], true)) {
        throw new HttpError(409, 'invoice_settled', 'This invoice is already paid.');
    }
    $amount ??= $residual;
    $number = (string)$inv['name'];
    $safe = preg_replace('/[^A-Za-z0-9._-]+/', '_', $number) ?: 'invoice';
    $attachment = $gw->create('ir.attachment', [
        'name' => "payment-proof-$safe-" . gmdate('Ymd-His') . ".$ext", 'datas' => base64_encode($content),
        'res_model' => 'account.move', 'res_id' => $invoiceId, 'mimetype' => $mime, 'type' => 'binary',
        'description' => 'Proof of a bank transfer uploaded by the customer in the portal',
    ]);
    $memo = "Portal: proof of payment for $number (attachment #$attachment)" . ($reference !== null ? ", bank ref. $reference" : '');
    $payment = $gw->create('account.payment', [
        'partner_id' => $c['commercial_partner_id'], 'payment_type' => 'inbound', 'partner_type' => 'customer',
        'amount' => $amount, 'date' => gmdate('Y-m-d'),
        // the payment's label: `ref` up to Odoo 17, `memo` from 18 on
        ($caps['version'] >= 18 ? 'memo' : 'ref') => $memo,
    ]);
    return ['invoice' => ['id' => $invoiceId, 'number' => $number], 'attachment_id' => $attachment,
            'payment_id' => $payment, 'amount' => $amount, 'status' => 'pending_verification'];
}
