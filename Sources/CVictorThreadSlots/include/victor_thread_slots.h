#ifndef VICTOR_THREAD_SLOTS_H
#define VICTOR_THREAD_SLOTS_H

#include <stdint.h>

/// One object a thread keeps a reference to, with the serial number it was published under.
typedef struct victor_thread_slot {
    uint64_t serial;
    /// A retained object, or NULL.
    void *object;
} victor_thread_slot;

/// Slots per thread: a power of two.
#define VICTOR_THREAD_SLOT_COUNT 16

/// A thread's slots, and how many reads are running on the thread (a nested read must not
/// replace an object an outer read is using).
typedef struct victor_thread_slots {
    intptr_t depth;
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

/// Stripes a thread can hold alone, one thread each, while it lives; a thread that finds them all
/// held counts on the shared stripe, number `VICTOR_THREAD_STRIPES`. At most 31.
#define VICTOR_THREAD_STRIPES 16

/// Set in a stripe assignment when the thread holds the stripe alone.
#define VICTOR_THREAD_STRIPE_ALONE 0x80000000u

/// The calling thread's stripe assignment, or 0 before the thread's first `victor_thread_stripe`.
extern __thread uint32_t victor_thread_stripe_current;

/// Gives the calling thread a stripe, held alone while the thread lives if one is free, and
/// returns the assignment (see `victor_thread_stripe`).
uint32_t victor_thread_stripe_assign(void);

/// The calling thread's stripe assignment: the stripe number plus one, with
/// `VICTOR_THREAD_STRIPE_ALONE` set when no other thread writes that stripe. A thread holds its
/// stripe until it exits, and then the stripe is free for the next thread that asks. One
/// thread-local load after the first call.
static inline uint32_t victor_thread_stripe(void) {
    uint32_t current = victor_thread_stripe_current;
    return current != 0 ? current : victor_thread_stripe_assign();
}

/// Takes the lowest stripe not set in `*held` (a mask of `VICTOR_THREAD_STRIPES` bits) and
/// returns its number; `VICTOR_THREAD_STRIPES` when every one is held. Atomic.
uint32_t victor_thread_stripe_take(uint32_t *held);

/// Gives back stripe `stripe`, taken with `victor_thread_stripe_take`. Atomic.
void victor_thread_stripe_give_back(uint32_t *held, uint32_t stripe);

#endif
