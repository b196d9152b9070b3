/*
 * The broker registration protocol (src/recipes/owner-check.ts, owned-ephemeral.ts), with the
 * ZooKeeper behaviour it depends on, for Spin 6. One registrar, one path (/brokers/ids/<id>).
 *
 * Variants (-DVARIANT=n):
 *   0 OURS   the library: NodeExists is checked against stat.ephemeralOwner
 *   1 NAIVE  NodeExists means "registered" (ZooKeeper-mode Kafka before KAFKA-7165; the report)
 *   2 ADOPT  any existing node is taken over with setData (Curator's PersistentNode)
 *   3 UNCHECKED  ours as it was before this model: ownership announced even when the exists-watch
 *            set after the owner check showed the node gone (the checker found that window)
 *
 * Model state -> code:
 *   alive[s]          the server's view of session s (expired: its ephemerals are then deleted)
 *   cur               Connection.session (the registrar's current session)
 *   mine[s]           Connection.wasPreviousSession(s) || s == cur
 *   reported          OwnedEphemeral.state == 'owned' (what status(), /readyz, `registered` report)
 *   watching          an exists-watch of `cur` on the path (armed by the peek or ensureWatch)
 *   watch_pending     a fired watch whose notification has not yet been processed (run -> stillOurs)
 *   end_pending       the server expired `cur`; the client has not been told yet
 *   step labels       createStep / read = the peek (and readStep where the table needs data) /
 *                     replaceStep / rewriteStep, stop() -> deleteIfOwned
 * Faults (bounded, then `faults_over`):
 *   stale_report      a server that lost the quorum tells us our live session expired (the report:
 *                     the leader stalled); the watchdog and the stall detector end a session the same way
 *   server_expiry     the server expires a session (ours or the meddler's) and deletes its ephemerals,
 *                     only those it still owns
 *   lost_response     a create is applied but its answer is lost (connection loss); the step is retried
 *   meddler           another client deletes the node, rewrites its data, or creates it on its own session
 *                     (-DNO_MEDDLER leaves it out: then the naive counterexample is exactly the report's race)
 *
 * Properties (named as the README lists them):
 *   p1_owned   [] reported -> node owned by cur, or a watch notification / our expiry is in flight
 *              (the documented window: from a change to our node until its notification is processed)
 *   p2_live    once faults are over, eventually always reported and owned by cur (ltl, weak fairness)
 *   p3_foreign the registrar deletes or rewrites only nodes of its own sessions, unless the node was
 *              deleted and re-created by someone else between our read and our version-checked write
 *              (ZooKeeper's conditional delete/set check the version, which restarts at 0, not czxid)
 */

#ifndef VARIANT
#define VARIANT 0
#endif
#define OURS  0
#define NAIVE 1
#define ADOPT 2
#define UNCHECKED 3

#define NSESS 5        /* session ids 1..4; 0 = none */
#define MEDDLER 4      /* the other client's session */
#define MAX_OURS 3     /* sessions the registrar may open */

/* the znode */
bool node;             /* exists */
byte owner;            /* ephemeralOwner */
byte version;          /* data version, 0 on creation */
byte czxid;            /* creation zxid: tells re-creations apart */
bool data_ours;        /* holds our data (a meddler may rewrite it) */
byte zxid;

bool alive[NSESS];
bool mine[NSESS];
byte cur;
byte opened;
bool reported;
bool watching;
bool watch_pending;
bool end_pending;
bool stopping;         /* stop() was called */
bool faults_over;

byte session_faults;  /* stale reports + expiries of our current session: each costs a session */
byte meddles;

#define owned_by_cur (node && owner == cur && alive[cur])

/* A change to the node fires our exists-watch, once, if the watching session is alive. */
inline touched() {
  if
  :: watching && alive[cur] -> watch_pending = true; watching = false
  :: else -> skip
  fi
}

/* Server: expire session s, deleting its ephemeral if it still owns it. */
inline expire(s) {
  alive[s] = false;
  if
  :: node && owner == s -> node = false; touched(); printf("server: session %d expired, its node deleted\n", s)
  :: else -> printf("server: session %d expired\n", s)
  fi;
  if
  :: s == cur -> end_pending = true
  :: else -> skip
  fi
}

proctype Server() {
end:
  do
  /* A session nobody pings any more (one we gave up, or the meddler's) is expired eventually. */
  :: atomic { alive[1] && cur != 1 -> expire(1) }
  :: atomic { alive[2] && cur != 2 -> expire(2) }
  :: atomic { alive[3] && cur != 3 -> expire(3) }
  :: atomic { alive[MEDDLER] -> expire(MEDDLER) }
  /* Before the faults are over the server may also expire our current session (a partition). */
  :: atomic { !faults_over && session_faults < MAX_OURS - 1 && cur != 0 && alive[cur] -> session_faults++; expire(cur) }
  od
}

proctype Meddler() {
end:
  do
  :: atomic { !faults_over && meddles < 2 && node -> meddles++; node = false; touched(); printf("meddler: deletes the node\n") }
  :: atomic { !faults_over && meddles < 2 && node -> meddles++; data_ours = false; version++; touched(); printf("meddler: rewrites the node\n") }
  :: atomic { !faults_over && meddles < 2 && !node && !alive[MEDDLER] && cur != MEDDLER ->
       meddles++; alive[MEDDLER] = true; zxid++; node = true; owner = MEDDLER; version = 0; czxid = zxid; data_ours = false; touched();
       printf("meddler: creates the node on its own session %d\n", MEDDLER) }
  od
}

/* The application: may call stop() while faults still happen; then the faults end. */
proctype Environment() {
  if
  :: atomic { !faults_over && !stopping -> stopping = true; printf("application: stop() is called\n") }
  :: skip
  fi;
  faults_over = true
}

/* Step results: every atomic block below is one request and its answer; control moves between
 * steps outside the blocks, so every state between two steps is one the monitor can observe. */
#define R_EXPIRED 1
#define R_OK      2
#define R_EXISTS  3
#define R_GONE    4
#define R_LOST    5
#define R_OTHER   6

/* The peek (OURS): the owner check's stat read is the exists-watch, sent right behind the create, so
 * the watch is armed at the read, unless one is armed already. */
inline peek() {
  if
  :: VARIANT == OURS && !watching -> watching = true
  :: else -> skip
  fi
}

proctype Registrar() {
  byte r_owner, r_version, r_czxid, res;
  bool r_data, created;

new_session:
  atomic {
    opened < MAX_OURS ->
    opened++; cur = opened; alive[cur] = true; mine[cur] = true;
    reported = false; watching = false; watch_pending = false; end_pending = false;
    printf("registrar: new session %d\n", cur)
  }

again:
  /* The client learns that its session is gone (truly, or from a stale server) between any two steps. */
  if
  :: end_pending ->
       atomic { reported = false; printf("registrar: told session %d expired\n", cur) }; goto new_session
  :: !faults_over && session_faults < MAX_OURS - 1 && alive[cur] ->
       atomic { session_faults++; reported = false; printf("registrar: told session %d expired (stale server; it lives on)\n", cur) }; goto new_session
  :: stopping -> goto stop
  :: !end_pending -> skip                      /* no fault now (else would force the fault) */
  fi;

create:
  atomic {
    if
    :: !alive[cur] -> res = R_EXPIRED
    :: alive[cur] && !node ->
         zxid++; node = true; owner = cur; version = 0; czxid = zxid; data_ours = true; touched();
         printf("registrar: session %d creates the node\n", cur);
         if
         :: !faults_over -> res = R_LOST; printf("registrar: ...but the answer is lost (connection loss): retry\n")
         :: true -> res = R_OK
         fi
    :: alive[cur] && node -> res = R_EXISTS; printf("registrar: session %d create -> NodeExists (owner %d)\n", cur, owner)
    fi;
    created = (res == R_OK)
  };
  if
  :: res == R_EXPIRED -> goto again            /* SessionExpired: wait to be told */
  :: res == R_LOST -> goto create
#if VARIANT == NAIVE
  :: res == R_EXISTS ->
       atomic { reported = true; watching = true; printf("registrar: NAIVE takes NodeExists as registered\n") }; goto end_owned
#endif
  :: else -> skip
  fi;

read:
  atomic {
    if
    :: !alive[cur] -> res = R_EXPIRED
    :: alive[cur] && !node -> res = R_GONE; peek()
    :: alive[cur] && node -> res = R_OK; r_owner = owner; r_version = version; r_czxid = czxid;
         if
         /* The fast path reads no data: after our create succeeded, our session at version 0 is the
          * node we wrote (every rewrite bumps the version). Checked here, not assumed. */
         :: VARIANT == OURS && created && owner == cur && version == 0 -> assert(data_ours); r_data = true
         :: else -> r_data = data_ours
         fi;
         peek()
    fi
  };
  if
  :: res == R_EXPIRED -> goto again
  :: res == R_GONE -> goto create               /* deleted since our create: create again */
  :: else -> skip
  fi;
#if VARIANT == ADOPT
  if
  :: r_owner != cur -> goto rewrite             /* Curator: any node is taken over */
  :: else -> skip
  fi;
#endif
  if
  :: r_owner == cur && r_data -> skip
  :: r_owner == cur && !r_data -> goto rewrite
  :: r_owner != cur && mine[r_owner] -> goto replace
  :: r_owner != cur && !mine[r_owner] -> goto watch
  fi;

watch:
  /* ensureWatch. A watch armed by the peek that has not fired since means the node is as read
   * (every change fires it). Otherwise: exists + watch, and an ownership is announced only if the
   * node is still as read. */
  atomic {
    if
    :: !alive[cur] -> res = R_EXPIRED
    :: alive[cur] && VARIANT == OURS && watching && r_owner == cur ->
         res = R_OK; reported = true; printf("registrar: owned by session %d (watch armed by the peek)\n", cur)
    :: alive[cur] && VARIANT == OURS && watching && r_owner != cur ->
         res = R_OTHER; printf("registrar: blocked by session %d, waiting (watch armed by the peek)\n", r_owner)
    :: alive[cur] && !(VARIANT == OURS && watching) && ((node && owner == r_owner) || VARIANT == UNCHECKED) && r_owner == cur ->
         res = R_OK; reported = true; watching = true; printf("registrar: owned by session %d\n", cur)
    :: alive[cur] && !(VARIANT == OURS && watching) && node && owner == r_owner && r_owner != cur ->
         res = R_OTHER; watching = true; printf("registrar: blocked by session %d, waiting\n", r_owner)
    :: else -> res = R_GONE; printf("registrar: changed before the watch was set; looking again\n")
    fi
  };
  if
  :: res == R_OK -> goto end_owned
  :: res == R_OTHER -> goto end_blocked
  :: else -> goto again
  fi;

replace:
  /* delete(path, version read): a node of a previous session of ours */
  atomic {
    if
    :: !alive[cur] -> skip
    :: alive[cur] && node && version == r_version ->
         assert(mine[owner] || czxid != r_czxid);           /* p3_foreign */
         node = false; touched(); printf("registrar: replaces the node of its previous session %d\n", r_owner)
    :: else -> skip                                     /* BadVersion / NoNode: create again */
    fi
  };
  goto again;

rewrite:
  /* setData(path, ours, version read) -- ADOPT: version -1 */
  atomic {
    if
    :: !alive[cur] -> res = R_EXPIRED
    :: alive[cur] && node && (version == r_version || VARIANT == ADOPT) ->
         assert(mine[owner] || czxid != r_czxid);           /* p3_foreign */
         res = R_OK; data_ours = true; version++; touched();
#if VARIANT == ADOPT
         reported = true; watching = true; printf("registrar: ADOPT takes over the node of session %d\n", owner)
#else
         printf("registrar: rewrites its node\n")
#endif
    :: else -> res = R_GONE
    fi
  };
#if VARIANT == ADOPT
  if
  :: res == R_OK -> goto end_owned
  :: else -> skip
  fi;
#endif
  goto again;

end_blocked:
  /* Wait for the watch on the other session's node (or for our session's end). */
  if
  :: atomic { watch_pending -> watch_pending = false }; goto again
  :: end_pending -> goto again
  :: stopping -> goto stop
  :: !faults_over && session_faults < MAX_OURS - 1 -> goto again
  fi;

end_owned:
  /* Owned, with an exists-watch; a fired watch is processed by re-reading the node (stillOurs): still
   * ours, the watch is set again and nothing else runs; otherwise the loss is reported, then the routine. */
  if
  :: atomic { watch_pending -> watch_pending = false;
       if
       :: owned_by_cur && data_ours -> watching = true; res = R_OK
       :: else -> reported = false; res = R_GONE; printf("registrar: notified: lost its node\n")
       fi };
     if
     :: res == R_OK -> goto end_owned
     :: else -> goto again
     fi
  :: end_pending -> goto again
  :: stopping -> goto stop
  :: !faults_over && session_faults < MAX_OURS - 1 && alive[cur] ->
       atomic { session_faults++; reported = false; printf("registrar: told session %d expired (stale server; it lives on)\n", cur) }; goto new_session
  :: !faults_over -> goto verify               /* reconnected: the routine re-runs on the same session */
  fi;

verify:
  /* stillOurs: a re-run while owned re-reads the node before anything else. */
  atomic {
    if
    :: !alive[cur] -> res = R_EXPIRED
    :: alive[cur] && owned_by_cur && data_ours -> res = R_OK
    :: else -> res = R_GONE; reported = false; printf("registrar: re-run: lost its node\n")
    fi
  };
  if
  :: res == R_OK -> goto end_owned
  :: res == R_EXPIRED -> goto again
  :: else -> goto create
  fi;

stop:
  /* stop(): read, and delete only with our session as owner, version-checked. */
  atomic { reported = false; watching = false };
  atomic {
    if
    :: alive[cur] && node -> r_owner = owner; r_version = version; r_czxid = czxid
    :: else -> r_owner = 0
    fi
  };
  if
  :: r_owner == cur ->
       atomic {
         if
         :: alive[cur] && node && version == r_version ->
              assert(mine[owner] || czxid != r_czxid);      /* p3_foreign */
              node = false; printf("registrar: stop() deletes its node\n")
         :: else -> skip
         fi
       }
  :: else -> skip
  fi
}

/* p1_owned as a monitor: checked in every reachable state. */
#define p1_owned (!reported || owned_by_cur || watch_pending || end_pending)
active proctype Monitor() {
end:
  atomic { !p1_owned ->
    printf("VIOLATION p1_owned: registrar reports ownership, node %d owner %d, current session %d\n", node, owner, cur);
    assert(p1_owned) }
}

init {
  atomic {
    run Server();
#ifndef NO_MEDDLER
    run Meddler();
#endif
    run Environment();
    run Registrar()
  }
}

#ifdef LIVE
ltl p2_live { [] ((faults_over && !stopping) -> <> [] (reported && owned_by_cur)) }
#endif
