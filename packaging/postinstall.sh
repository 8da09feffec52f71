#!/bin/sh
# After installing custos: the group custos for a store shared by the
# administrators of this host (add them with `usermod -aG custos NAME`),
# the system user custos that the example systemd timers run as, and the
# set-group-ID directory /var/lib/custos where a new store is created
# mode 0660 for that group. Nothing is created that exists already, and
# no store is created: `custos init --db /var/lib/custos/custos.db` does
# that, run by the administrator who becomes its first admin.
set -e
if ! getent group custos >/dev/null; then
	groupadd --system custos
fi
if ! getent passwd custos >/dev/null; then
	useradd --system --gid custos --home-dir /var/lib/custos --no-create-home \
		--shell /usr/sbin/nologin --comment "custos scheduled jobs" custos
fi
install -d -m 2770 -o root -g custos /var/lib/custos
install -d -m 2770 -o root -g custos /var/lib/custos/checkpoints
