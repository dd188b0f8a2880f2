<?php
// POST /api/odoo/upload-proof-payment (multipart/form-data): invoice_id, proof (a PDF, JPEG or
// PNG file, checked by its bytes, at most PORTAL_UPLOAD_MAX bytes), optional amount and
// reference. Stores the file as an ir.attachment on the customer's own invoice and records a
// draft payment for manual verification.
declare(strict_types=1);

namespace Portal;

run(function () {
    require_method('POST');
    $c = current_customer();
    $max = (int)config('PORTAL_UPLOAD_MAX');
    $type = strtolower(trim(explode(';', $_SERVER['CONTENT_TYPE'] ?? '')[0]));
    if ($type !== 'multipart/form-data') {
        throw new HttpError(415, 'unsupported_media_type', 'send multipart/form-data with a "proof" file');
    }
    if ((int)($_SERVER['CONTENT_LENGTH'] ?? 0) > $max + 65536 || (empty($_FILES) && empty($_POST) && (int)($_SERVER['CONTENT_LENGTH'] ?? 0) > 0)) {
        throw new HttpError(413, 'too_large', "the file is over the limit of $max bytes");
    }
    $invoiceId = id_field($_POST['invoice_id'] ?? null, 'invoice_id');
    $f = $_FILES['proof'] ?? null;
    if (!is_array($f) || is_array($f['error'] ?? null)) {
        throw new HttpError(422, 'invalid_field', "attach one file as 'proof'", ['field' => 'proof']);
    }
    if (in_array($f['error'], [UPLOAD_ERR_INI_SIZE, UPLOAD_ERR_FORM_SIZE], true) || ($f['size'] ?? 0) > $max) {
        throw new HttpError(413, 'too_large', "the file is over the limit of $max bytes");
    }
    if ($f['error'] !== UPLOAD_ERR_OK || !is_uploaded_file($f['tmp_name']) || $f['size'] === 0) {
        throw new HttpError(422, 'invalid_field', "attach one non-empty file as 'proof'", ['field' => 'proof']);
    }
    $content = file_get_contents($f['tmp_name'], false, null, 0, $max + 1);
    if ($content === false || strlen($content) > $max) {
        throw new HttpError(413, 'too_large', "the file is over the limit of $max bytes");
    }
    $kind = sniff(substr($content, 0, 16));
    if ($kind === null) {
        throw new HttpError(415, 'unsupported_file', 'the proof must be a PDF, JPEG or PNG file');
    }
    $amount = null;
    if (($_POST['amount'] ?? '') !== '') {
        $a = $_POST['amount'];
        if (!is_string($a) || !preg_match('/^[0-9]{1,9}(\.[0-9]{1,2})?$/', $a) || (float)$a <= 0) {
            throw new HttpError(422, 'invalid_field', "'amount' must be a positive amount like 120.50", ['field' => 'amount']);
        }
        $amount = (float)$a;
    }
    $reference = null;
    if (($_POST['reference'] ?? '') !== '') {
        $reference = str_field($_POST, 'reference', 100);
    }
    $gw = gateway();
    return [201, upload_proof($gw, $c, Capabilities::get($gw), $invoiceId, $content, $kind[0], $kind[1], $amount, $reference)];
});
