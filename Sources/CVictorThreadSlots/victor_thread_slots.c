#include "victor_thread_slots.h"

#include <pthread.h>
#include <stdlib.h>

__thread victor_thread_slots *victor_thread_slots_current;
__thread uint32_t victor_thread_stripe_current;

// The stripes live threads hold alone, one bit each.
static uint32_t held_stripes;

static pthread_key_t stripe_key;
static pthread_once_t stripe_key_once = PTHREAD_ONCE_INIT;
static int stripe_key_ready;

#define ALL_STRIPES ((1u << VICTOR_THREAD_STRIPES) - 1)
#define SHARED_ASSIGNMENT (VICTOR_THREAD_STRIPES + 1)

uint32_t victor_thread_stripe_take(uint32_t *held) {
    uint32_t current = __atomic_load_n(held, __ATOMIC_RELAXED);
    while ((current & ALL_STRIPES) != ALL_STRIPES) {
        uint32_t stripe = (uint32_t)__builtin_ctz(~current);
        // Acquire: the stripe's last writer gave it back with a release, so its counts are seen.
        if (__atomic_compare_exchange_n(
                held, &current, current | (1u << stripe), 1, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
            return stripe;
        }
    }
    return VICTOR_THREAD_STRIPES;
}

void victor_thread_stripe_give_back(uint32_t *held, uint32_t stripe) {
    __atomic_fetch_and(held, ~(1u << stripe), __ATOMIC_RELEASE);
}

// Runs at thread exit. Counts the thread still makes (in later destructors) go to the shared
// stripe, so the stripe given back has no writer left.
static void give_back_stripe(void *value) {
    victor_thread_stripe_current = SHARED_ASSIGNMENT;
    victor_thread_stripe_give_back(&held_stripes, (uint32_t)(uintptr_t)value - 1);
}

static void make_stripe_key(void) {
    stripe_key_ready = pthread_key_create(&stripe_key, give_back_stripe) == 0;
}

uint32_t victor_thread_stripe_assign(void) {
    pthread_once(&stripe_key_once, make_stripe_key);
    if (stripe_key_ready) {
        uint32_t stripe = victor_thread_stripe_take(&held_stripes);
        if (stripe < VICTOR_THREAD_STRIPES) {
            // Without the exit hook the stripe could never be given back: share instead.
            if (pthread_setspecific(stripe_key, (void *)(uintptr_t)(stripe + 1)) == 0) {
                victor_thread_stripe_current = (stripe + 1) | VICTOR_THREAD_STRIPE_ALONE;
                return victor_thread_stripe_current;
            }
            victor_thread_stripe_give_back(&held_stripes, stripe);
        }
    }
    victor_thread_stripe_current = SHARED_ASSIGNMENT;
    return SHARED_ASSIGNMENT;
}

static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;
static int exit_key_ready;
// Set by every creation to the same function; atomic, as threads create their slots at once.
static void (*release_object)(void *object);

// Runs at thread exit. The slots are detached first: releasing an object may run code that
// reads again on this thread, which then starts from fresh slots.
static void release_slots(void *value) {
    victor_thread_slots *slots = value;
    if (victor_thread_slots_current == slots) victor_thread_slots_current = NULL;
    for (int index = 0; index < VICTOR_THREAD_SLOT_COUNT; index++) {
        void *object = slots->slots[index].object;
        slots->slots[index].object = NULL;
        if (object != NULL) __atomic_load_n(&release_object, __ATOMIC_ACQUIRE)(object);
    }
    free(slots);
}

static void make_exit_key(void) {
    exit_key_ready = pthread_key_create(&exit_key, release_slots) == 0;
}

victor_thread_slots *victor_thread_slots_create(void (*release)(void *object)) {
    if (victor_thread_slots_current != NULL) return victor_thread_slots_current;
    pthread_once(&exit_key_once, make_exit_key);
    if (!exit_key_ready) return NULL;
    victor_thread_slots *slots = calloc(1, sizeof(victor_thread_slots));
    if (slots == NULL) return NULL;
    __atomic_store_n(&release_object, release, __ATOMIC_RELEASE);
    if (pthread_setspecific(exit_key, slots) != 0) {
        free(slots);
        return NULL;
    }
    victor_thread_slots_current = slots;
    return slots;
}
