/* EVE Online ESI client and EVE SSO (being written). */
#include "erplink/esi.h"
