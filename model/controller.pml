/*
 * Controller candidacy (src/registration/controller-candidate.ts), for Spin 6: two candidates
 * contend for /controller with the owner check, then compare-and-set /controller_epoch (the binding
 * has no multi, so these are two steps), resign when the CAS is lost, and guard writes with the
 * epoch's zkVersion before and after (fencedWrite).
 *
 * Variants (-DVARIANT=n): 0 OURS; 1 NO_POSTCHECK (fencedWrite without the check after the write,
 * which must let the checker find a write applied under a moved epoch and reported as success).
 *
 * Model state -> code:
 *   ctl, ctl_owner, ctl_version  /controller (ephemeral) and its ephemeralOwner
 *   epoch, epoch_version         /controller_epoch's value and zkVersion
 *   sess[c], alive[s]            Connection.session of candidate c; the server's view of session s
 *   elected[c], held_epoch[c],   ControllerCandidate.election (epoch, epochZkVersion)
 *   held_version[c]
 *   data_epoch                   the epoch current when the last fenced write was applied (ghost)
 * Faults (bounded): the server expires a candidate's session (its /controller goes with it), or a
 * candidate is told its live session expired (stale server); the candidate then opens a new one.
 *
 * Properties:
 *   c1_epochs     /controller_epoch only ever increases (asserted at every write of it)
 *   c2_one        never two candidates elected for the same epoch (monitor)
 *   c3_fenced     a fenced write applied while the epoch was not the writer's is reported to the
 *                 writer as ControllerMovedError with writeApplied (asserted when the write returns)
 */

#ifndef VARIANT
#define VARIANT 0
#endif
#define NO_POSTCHECK 1

#define NSESS 7
#define MAX_FAULTS 2

bool ctl;
byte ctl_owner;
byte ctl_version;
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
  :: ctl && ctl_owner == s -> ctl = false; printf("server: session %d expired, /controller deleted\n", s)
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
  byte r_owner, r_epoch, r_version, r_ctlv, pre;
  bool ok;

new_session:
  atomic { next_session < NSESS -> sess[me] = next_session; next_session++; alive[sess[me]] = true; told_expired[me] = false;
           printf("candidate %d: session %d\n", me, sess[me]) }

contend:
  /* told of an expiry: resign first, before anything else is heard of it */
  if
  :: told_expired[me] -> atomic { elected[me] = false; printf("candidate %d: resigns (session expired)\n", me) }; goto new_session
  :: else -> skip
  fi;
  /* create /controller, ephemeral */
  atomic {
    if
    :: alive[sess[me]] && !ctl -> ctl = true; ctl_owner = sess[me]; ctl_version = 0; ok = true
    :: else -> ok = false
    fi
  };
  /* read it: only our current session's node counts (NodeExists is a claim to check) */
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
  /* claimEpoch: read /controller_epoch, then CAS it to epoch + 1 */
  atomic { r_epoch = epoch; r_version = epoch_version };
  atomic {
    if
    :: alive[sess[me]] && epoch_version == r_version ->
         assert(r_epoch + 1 > max_epoch);                  /* c1_epochs */
         epoch = r_epoch + 1; epoch_version++; max_epoch = epoch; ok = true
    :: else -> ok = false
    fi
  };
  if
  :: !ok ->
       /* lost the CAS: release /controller (only if ours, version-checked) and contend again */
       atomic { if :: alive[sess[me]] && ctl && ctl_owner == sess[me] -> ctl = false :: else -> skip fi };
       goto contend
  :: else -> skip
  fi;
  /* still holding /controller? only then elected */
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
       /* fencedWrite: pre-check, write, post-check */
       atomic { pre = epoch_version };
       if
       :: pre != held_version[me] -> atomic { elected[me] = false; printf("candidate %d: write refused (epoch moved)\n", me) }; goto contend
       :: else -> skip
       fi;
       atomic { data_epoch = epoch; printf("candidate %d: write applied under epoch %d (holds %d)\n", me, epoch, held_epoch[me]) };
#if VARIANT == NO_POSTCHECK
       atomic { assert(data_epoch == held_epoch[me]) }      /* c3_fenced: reported as plain success */
#else
       atomic {
         if
         :: epoch_version != held_version[me] ->
              elected[me] = false; printf("candidate %d: ControllerMovedError, writeApplied\n", me)
         :: else -> assert(data_epoch == held_epoch[me])    /* c3_fenced: success only if it was ours */
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
active proctype Monitor() {
end:
  atomic { !c2_one -> assert(c2_one) }
}

init {
  atomic {
    run Server();
    run Candidate(0);
    run Candidate(1)
  }
}
