/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which Docker Engine a node has, and what its version means for NVIDIA's runtime
 * (runtimes/docker_version.c). Private to runtimes/docker*.c.
 */
#pragma once

#include "runtime.h"

/* The release that brought `docker run --gpus` (the Engine API's DeviceRequests, API 1.40). */
#define DOCKER_GPUS_SINCE 1903
/* The release that reads "features": {"cdi": true} (CDI devices for `docker run --device`). */
#define DOCKER_CDI_SINCE 2500

/*
 * major * 100 + minor of a Docker version as dockerd or a package writes it ("18.09.6",
 * "5:18.09.6~3-0~ubuntu-bionic", "1.13.1-209.git7d71120.el7.centos", "20.10.24+dfsg1-1");
 * 0 when it is none.
 */
int docker_version_number(const char *s);

/* "18.09", "1.13", "23.0": a version number as Docker writes it (two-digit months 17.03 to 20.10).
 */
const char *docker_version_label(int number, char buf[16]);

/*
 * The version of the dockerd under root: the package database first (docker-ce, docker-ee,
 * docker.io, docker-engine, moby-engine, and on rpm systems docker), then `dockerd --version`
 * of the binary. Returns its number (0 when nothing tells), and when ret_version and
 * ret_source are given, the version as written there and where it was read (fresh strings).
 */
int docker_node_version(const char *root, char **ret_version, char **ret_source);

/* What a dockerd of version number allows: ret->said, limited and hint. */
void docker_version_judge(int number, struct runtime_version *ret);

/* runtime_ops.version for docker (docker_live.c): the running daemon (GET /info) first. */
void docker_version(const char *root, const char *socket, unsigned timeout_ms,
                    struct runtime_version *ret);
