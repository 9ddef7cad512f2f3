# The Swarm variant of the versioned service: the same image plus the HEALTHCHECK Swarm gates tasks on.
# (Ferry ignores image healthchecks and probes GET /healthz from the host with the same interval and retries.)
ARG BASE
FROM ${BASE}
HEALTHCHECK --interval=1s --timeout=1s --retries=2 CMD wget -q -O /dev/null http://127.0.0.1:8080/healthz
