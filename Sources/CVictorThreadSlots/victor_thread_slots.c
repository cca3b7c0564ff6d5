#include "victor_thread_slots.h"

#include <pthread.h>
#include <stdlib.h>

__thread victor_thread_slots *victor_thread_slots_current;
__thread uint32_t victor_thread_stripe_current;

static uint32_t next_stripe;

uint32_t victor_thread_stripe_assign(void) {
    uint32_t stripe = __atomic_fetch_add(&next_stripe, 1, __ATOMIC_RELAXED);
    // Numbers wrap after 2^32 - 1 threads; 0 is kept for "not assigned".
    if (stripe == UINT32_MAX) stripe = __atomic_fetch_add(&next_stripe, 1, __ATOMIC_RELAXED);
    victor_thread_stripe_current = stripe + 1;
    return stripe;
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
