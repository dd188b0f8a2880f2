/* Cartona supplier-integration client (being written). */
#include "erplink/cartona.h"
