/*
 * amqp_compat.h - include rabbitmq-c from where this system keeps it.
 * rabbitmq-c >= 0.12 moved its headers to <rabbitmq-c/...> and makes the old
 * paths emit a #warning, which -Werror would turn into a failed build.
 */
#ifndef MST_AMQP_COMPAT_H
#define MST_AMQP_COMPAT_H

#include <sys/time.h> /* amqp.h 0.11 uses struct timeval without it */

#include "mst_build.h"

#if MST_HAVE_RABBITMQ_C_DIR
#include <rabbitmq-c/amqp.h>
#include <rabbitmq-c/ssl_socket.h>
#include <rabbitmq-c/tcp_socket.h>
#else
#include <amqp.h>
#include <amqp_ssl_socket.h>
#include <amqp_tcp_socket.h>
#endif

#endif
