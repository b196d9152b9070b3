/*
 * Controller candidacy (src/registration/controller-candidate.ts), for Spin 6: two candidates
 * contend for /controller as Kafka's brokers do: read /controller_epoch, then one multi that creates
 * /controller (ephemeral) and compare-and-sets /controller_epoch to epoch + 1, both or neither. The
 * multi's reply can be lost (a connection loss after the server applied it): the candidate then
 * reads /controller, and an ownership found that way counts only if /controller_epoch still holds
 * the epoch it wrote. Writes are fenced: a check of the epoch's zkVersion and the write in one multi.
 *
 * Variants (-DVARIANT=n): 0 OURS; 1 NO_FENCE (the write after a separate check, not in one multi:
 * the checker must find a write applied under a moved epoch and reported as success); 2 TWO_STEP
 * (how this library elected before it had multi: create /controller, then compare-and-set the epoch:
 * the checker must find /controller naming a candidate beside an epoch it did not write).
 *
 * Model state -> code:
 *   ctl, ctl_owner               /controller (ephemeral) and its ephemeralOwner
 *   ctl_bumped                   ghost: the owner of /controller wrote the current epoch
 *   epoch, epoch_version         /controller_epoch's value and zkVersion
 *   sess[c], alive[s]            Connection.session of candidate c; the server's view of session s
 *   elected[c], held_epoch[c],   ControllerCandidate.election (epoch, epochZkVersion)
 *   held_version[c]
 *   data_epoch                   the epoch current when the last fenced write was applied (ghost)
 * Faults (bounded): the server expires a candidate's session (its /controller goes with it), or a
 * candidate is told its live session expired (stale server); the candidate then opens a new one;
 * one election multi's reply is lost.
 *
 * Properties:
 *   c1_epochs     /controller_epoch only ever increases (asserted at every write of it)
 *   c2_one        never two candidates elected for the same epoch (monitor)
 *   c3_fenced     a fenced write applied while the epoch was not the writer's is never reported to
 *                 the writer as a success (asserted when the write returns)
 *   c4_atomic     whenever a live session's /controller exists, its owner wrote the current epoch
 *                 (monitor: no reader sees a controller beside an epoch that is not its own)
 */

#ifndef VARIANT
#define VARIANT 0
#endif
#define NO_FENCE 1
#define TWO_STEP 2

#define NSESS 7
#define MAX_FAULTS 2

bool ctl;
byte ctl_owner;
bool ctl_bumped;
bool reply_lost;           /* the one lost multi reply has happened */
byte epoch;
byte epoch_version;
byte max_epoch;            /* ghost: highest epoch ever written */

bool alive[NSESS];
byte next_session = 1;
byte sess[2];
bool told_expired[2];      /* the client side of an expiry (true or stale), not yet handled */
bool elected[2];
byte held_epoch[2];
byte held_version[2];
byte faults;
byte data_epoch;

inline expire_session(s) {
  alive[s] = false;
  if
  :: ctl && ctl_owner == s -> ctl = false; ctl_bumped = false; printf("server: session %d expired, /controller deleted\n", s)
  :: else -> printf("server: session %d expired\n", s)
  fi
}

#define GIVEN_UP(k) (alive[k] && k != sess[0] && k != sess[1])

proctype Server() {
end:
  do
  /* A session its candidate gave up is expired eventually; a live one only as a (bounded) fault. */
  :: atomic { GIVEN_UP(1) -> expire_session(1) }
  :: atomic { GIVEN_UP(2) -> expire_session(2) }
  :: atomic { GIVEN_UP(3) -> expire_session(3) }
  :: atomic { GIVEN_UP(4) -> expire_session(4) }
  :: atomic { GIVEN_UP(5) -> expire_session(5) }
  :: atomic { GIVEN_UP(6) -> expire_session(6) }
  :: atomic { faults < MAX_FAULTS && alive[sess[0]] -> faults++; expire_session(sess[0]); told_expired[0] = true }
  :: atomic { faults < MAX_FAULTS && alive[sess[1]] -> faults++; expire_session(sess[1]); told_expired[1] = true }
  :: atomic { faults < MAX_FAULTS && alive[sess[0]] -> faults++; told_expired[0] = true; printf("server: stale report to candidate 0\n") }
  :: atomic { faults < MAX_FAULTS && alive[sess[1]] -> faults++; told_expired[1] = true; printf("server: stale report to candidate 1\n") }
  od
}

proctype Candidate(byte me) {
  byte r_owner, r_epoch, r_version, pre;
  bool ok, applied;

new_session:
  atomic { next_session < NSESS -> sess[me] = next_session; next_session++; alive[sess[me]] = true; told_expired[me] = false;
           printf("candidate %d: session %d\n", me, sess[me]) }

contend:
  /* told of an expiry: resign first, before anything else is heard of it */
  if
  :: told_expired[me] -> atomic { elected[me] = false; printf("candidate %d: resigns (session expired)\n", me) }; goto new_session
  :: else -> skip
  fi;
  /* the companion: read /controller_epoch */
  atomic { r_epoch = epoch; r_version = epoch_version };
#if VARIANT == TWO_STEP
  /* create /controller alone; the epoch is bumped after (below) */
  atomic {
    if
    :: alive[sess[me]] && !ctl -> ctl = true; ctl_owner = sess[me]; ctl_bumped = false; applied = true
    :: else -> applied = false
    fi
  };
  if
  :: applied ->
       atomic {
         if
         :: alive[sess[me]] && epoch_version == r_version ->
              assert(r_epoch + 1 > max_epoch);                /* c1_epochs */
              epoch = r_epoch + 1; epoch_version++; max_epoch = epoch; ctl_bumped = (ctl && ctl_owner == sess[me])
         :: else -> atomic { if :: alive[sess[me]] && ctl && ctl_owner == sess[me] -> ctl = false :: else -> skip fi }; goto contend
         fi
       }
  :: else -> skip
  fi;
  ok = applied;
#else
  /* the election multi: create /controller and compare-and-set the epoch, both or neither */
  atomic {
    if
    :: alive[sess[me]] && !ctl && epoch_version == r_version ->
         assert(r_epoch + 1 > max_epoch);                     /* c1_epochs */
         ctl = true; ctl_owner = sess[me]; epoch = r_epoch + 1; epoch_version++; max_epoch = epoch; ctl_bumped = true;
         applied = true
    :: else -> applied = false
    fi;
    /* its reply: heard, or lost once (a connection loss after the server applied it) */
    if
    :: applied && !reply_lost -> reply_lost = true; ok = false; printf("candidate %d: multi applied, reply lost\n", me)
    :: else -> ok = applied
    fi
  };
  /* not applied and /controller absent: the compare-and-set lost, read the epoch again */
  if
  :: !ok && !applied && !ctl -> goto contend
  :: else -> skip
  fi;
#endif
  /* NodeExists, or a lost reply: read /controller: only our current session's node counts */
  if
  :: !ok ->
       atomic {
         if
         :: alive[sess[me]] && ctl -> r_owner = ctl_owner
         :: else -> r_owner = 0
         fi
       };
       if
       :: r_owner != sess[me] -> goto waiting
       :: else -> skip
       fi;
       /* ours: counts only if /controller_epoch still holds the epoch we wrote (checkControllerAndEpoch) */
       atomic {
         if
         :: epoch == r_epoch + 1 -> ok = true; r_version = epoch_version - 1
         :: else -> ok = false
         fi
       };
       if
       :: !ok ->
            atomic { if :: alive[sess[me]] && ctl && ctl_owner == sess[me] -> ctl = false; ctl_bumped = false :: else -> skip fi };
            goto contend
       :: else -> skip
       fi
  :: else -> skip
  fi;
  /* announce, if /controller is still ours (the watch would have told us otherwise) */
  atomic {
    if
    :: alive[sess[me]] && ctl && ctl_owner == sess[me] && !told_expired[me] ->
         elected[me] = true; held_epoch[me] = r_epoch + 1; held_version[me] = r_version + 1;
         printf("candidate %d: elected, epoch %d\n", me, held_epoch[me])
    :: else -> skip
    fi
  };
  if
  :: elected[me] -> goto controller
  :: else -> goto contend
  fi;

waiting:
  /* someone else's /controller: wait for it to go (watch), or for our own expiry */
  if
  :: !ctl -> goto contend
  :: told_expired[me] -> goto contend
  fi;

controller:
  do
  :: told_expired[me] -> goto contend
  :: !ctl || ctl_owner != sess[me] -> atomic { elected[me] = false; printf("candidate %d: resigns (node lost)\n", me) }; goto contend
  :: epoch_version != held_version[me] -> atomic { elected[me] = false; printf("candidate %d: resigns (epoch changed)\n", me) }; goto contend
  :: elected[me] ->
#if VARIANT == NO_FENCE
       /* a check, then the write: two steps */
       atomic { pre = epoch_version };
       if
       :: pre != held_version[me] -> atomic { elected[me] = false; printf("candidate %d: write refused (epoch moved)\n", me) }; goto contend
       :: else -> skip
       fi;
       atomic { data_epoch = epoch; assert(data_epoch == held_epoch[me]) }   /* c3_fenced: reported as success */
#else
       /* fencedWrite: check of the epoch's zkVersion and the write, one multi */
       atomic {
         if
         :: epoch_version == held_version[me] -> data_epoch = epoch; assert(data_epoch == held_epoch[me])   /* c3_fenced */
         :: else -> elected[me] = false; printf("candidate %d: ControllerMovedError, nothing written\n", me)
         fi
       };
       if
       :: !elected[me] -> goto contend
       :: else -> skip
       fi
#endif
  od
}

#define c2_one (!(elected[0] && elected[1] && held_epoch[0] == held_epoch[1]))
#define c4_atomic (!(ctl && alive[ctl_owner]) || ctl_bumped)
active proctype Monitor() {
end:
  atomic { !(c2_one && c4_atomic) -> assert(c2_one && c4_atomic) }
}

init {
  atomic {
    run Server();
    run Candidate(0);
    run Candidate(1)
  }
}
