#include "victor_heap.h"

#include <stdlib.h>  // defines __GLIBC__ on glibc systems

#if defined(__GLIBC__)
#include <malloc.h>

long long victor_heap_allocated_bytes(void) {
    struct mallinfo2 info = mallinfo2();
    // Large blocks are mmap-ed and counted apart from the arenas.
    return (long long)(info.uordblks + info.hblkhd);
}
#elif defined(__APPLE__)
#include <malloc/malloc.h>

long long victor_heap_allocated_bytes(void) {
    malloc_statistics_t stats;
    malloc_zone_statistics(NULL, &stats);
    return (long long)stats.size_in_use;
}
#else
long long victor_heap_allocated_bytes(void) { return -1; }
#endif
