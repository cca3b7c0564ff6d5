#ifndef VICTOR_HEAP_H
#define VICTOR_HEAP_H

#include <stddef.h>

/// Bytes in use on the C heap (arena blocks plus mmap-ed blocks), or -1 where unknown.
long long victor_heap_allocated_bytes(void);

#endif
