/**
 * @file erplink/erplink.h
 * @brief The umbrella header: includes every public erplink header.
 *
 * @code
 * #include <erplink/erplink.h>
 * @endcode
 * and link with `$(pkg-config --libs erplink)`.
 */
#ifndef ERPLINK_ERPLINK_H
#define ERPLINK_ERPLINK_H

#include "common.h"
#include "version.h"
#include "error.h"
#include "value.h"
#include "limits.h"
#include "xmlrpc.h"
#include "json.h"
#include "log.h"
#include "cancel.h"
#include "http.h"
#include "crypto.h"
#include "store.h"
#include "odoo.h"
#include "esi.h"
#include "cartona.h"
#include "razorpay.h"

#endif /* ERPLINK_ERPLINK_H */
