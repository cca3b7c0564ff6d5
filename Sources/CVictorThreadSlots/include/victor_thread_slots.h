#ifndef VICTOR_THREAD_SLOTS_H
#define VICTOR_THREAD_SLOTS_H

#include <stdint.h>

/// One object a thread keeps a reference to, with the serial number it was published under.
typedef struct victor_thread_slot {
    uint64_t serial;
    /// A retained object, or NULL.
    void *object;
    /// How many reads on this thread are running on `object`: a nested read must not replace an
    /// object an outer read is using, but may replace another slot's.
    intptr_t readers;
} victor_thread_slot;

/// Slots per thread: a power of two.
#define VICTOR_THREAD_SLOT_COUNT 16

/// A thread's slots.
typedef struct victor_thread_slots {
    victor_thread_slot slots[VICTOR_THREAD_SLOT_COUNT];
} victor_thread_slots;

/// The calling thread's slots; NULL before `victor_thread_slots_create` on this thread.
extern __thread victor_thread_slots *victor_thread_slots_current;

/// The calling thread's slots, or NULL: one thread-local load.
static inline victor_thread_slots *victor_thread_slots_get(void) {
    return victor_thread_slots_current;
}

/// The slot at `index` (taken modulo the slot count) of `slots`.
static inline victor_thread_slot *victor_thread_slot_at(victor_thread_slots *slots, uint64_t index) {
    return &slots->slots[index & (VICTOR_THREAD_SLOT_COUNT - 1)];
}

/// Creates empty slots for the calling thread and returns them. When the thread exits, every
/// object still held is passed to `release`, which must be the same function on every call.
/// Returns NULL if the memory or the thread key cannot be had.
victor_thread_slots *victor_thread_slots_create(void (*release)(void *object));

/// The calling thread's stripe number plus one, or 0 before the thread's first
/// `victor_thread_stripe`.
extern __thread uint32_t victor_thread_stripe_current;

/// Gives the calling thread the next stripe number, in turn across threads, and returns it.
uint32_t victor_thread_stripe_assign(void);

/// The calling thread's stripe number, given in turn as threads first ask: so the first threads
/// of a process never share a stripe of a counter striped by thread. One thread-local load after
/// the first call.
static inline uint32_t victor_thread_stripe(void) {
    uint32_t current = victor_thread_stripe_current;
    return current != 0 ? current - 1 : victor_thread_stripe_assign();
}

#endif
