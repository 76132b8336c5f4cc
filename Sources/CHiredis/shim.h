#ifndef TAOSTREAM_CHIREDIS_SHIM_H
#define TAOSTREAM_CHIREDIS_SHIM_H
#include <hiredis/hiredis.h>
#include <hiredis/read.h>
#endif
