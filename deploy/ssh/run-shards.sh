#!/usr/bin/env bash
# run-shards.sh: run one ragload plan as N shards on hosts reached by ssh,
# all starting at the same moment, then gather the shards' run directories
# and merge them with `ragload report`.
#
#   run-shards.sh [options] host1 [host2 ...] -- <ragload command and flags>
#
#   run-shards.sh -n 4 loadgen1 loadgen2 -- attack --url https://rag.example.com --rate 400 --duration 5m
#
# Shard i (0-based) runs on host i mod H (round robin over the H hosts) as
#
#   ssh HOST ragload <args> --shard i/N --start-at T --run-id ID --out ragload-runs/ID/shard-i
#
# where T is now + the start delay (RFC 3339, UTC) and ID the run id. When
# every shard has ended, each shard directory is copied to ./runs/ID/shard-i,
# and `ragload report runs/ID/shard-*` is printed (and run, if ragload is on
# PATH here). See README.md next to this file.
#
# Credentials never go on a command line (ps shows those, here and there):
# LOAD_TEST_EMAIL and LOAD_TEST_PASSWORD, if set here, and the lines of
# --env-file travel on ssh's standard input to a small sh loader on the host,
# which exports them before it starts ragload. With --send-env (and always
# with --pdsh, which gives commands no input) ssh sends LOAD_TEST_EMAIL and
# LOAD_TEST_PASSWORD itself (-o SendEnv=...), which needs
# `AcceptEnv LOAD_TEST_*` in the hosts' sshd_config.
set -euo pipefail

prog=${0##*/}

usage() {
	cat <<EOF
usage: $prog [options] host1 [host2 ...] -- <ragload command and flags>

Runs a ragload plan as N shards over ssh, all starting together, gathers the
shards' run directories and merges them with ragload report.

options:
  -n N              number of shards (default: the number of hosts); shard i
                    runs on host i mod (number of hosts)
  -u USER           ssh user on the hosts (default: ssh's own choice)
  -s SECONDS        start this many seconds from now (default 30): time for
                    every ssh connection and ragload to be ready
  --run-id ID       the run id (default: \$RAGLOAD_RUN_ID, else run-<UTC time>)
  --env-file FILE   also send these KEY=VALUE lines (taken literally, as with
                    docker's --env-file; # comments) to each shard's environment
  --send-env        pass LOAD_TEST_EMAIL/LOAD_TEST_PASSWORD with ssh's SendEnv
                    (hosts need "AcceptEnv LOAD_TEST_*") instead of stdin
  --pdsh            start the hosts with one pdsh -R exec (if pdsh is
                    installed; implies --send-env; --env-file is not available)
  --ragload PATH    ragload on the hosts (default: ragload, found on PATH)
  --remote-dir DIR  run directories on the hosts, relative to the login
                    directory (default: ragload-runs)
  --local-dir DIR   where the shards are gathered (default: runs)
  --rsync           gather with rsync (needed on both ends) instead of scp
  --no-check        skip the check, before the start, that each host answers,
                    has ragload and a clock within 2 s of this one
  --dry-run         print the commands instead of running them
  -h, --help        this help

Everything after -- is given to ragload on each host, followed by
--shard i/N --start-at T --run-id ID --out DIR/ID/shard-i.

example:
  export LOAD_TEST_EMAIL=loadtest@example.com LOAD_TEST_PASSWORD=...
  $prog -n 4 -s 45 lg1 lg2 -- attack --url https://rag.example.com --rate 400 --duration 5m
EOF
}

die() {
	printf '%s: %s\n' "$prog" "$*" >&2
	exit 2
}

# q quotes one word for a POSIX shell, only when it needs it.
q() {
	case $1 in
	'' | *[!A-Za-z0-9_@%+=:,./-]*) printf "'%s'" "${1//\'/\'\\\'\'}" ;;
	*) printf '%s' "$1" ;;
	esac
}

# qargs quotes every argument and joins them with spaces.
qargs() {
	local out='' a
	for a in "$@"; do
		out+="${out:+ }$(q "$a")"
	done
	printf '%s' "$out"
}

# utc formats epoch seconds as RFC 3339 UTC (GNU date, then BSD date).
utc() {
	date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || date -u -r "$1" +%Y-%m-%dT%H:%M:%SZ
}

shards='' user='' start_in=30 run_id=${RAGLOAD_RUN_ID:-} env_file='' send_env=0
use_pdsh=0 remote_bin=ragload remote_dir=ragload-runs local_dir=runs use_rsync=0 dry_run=0 check=1
hosts=()
while (($# > 0)); do
	case $1 in
	-n) shards=${2:?-n needs a number}; shift 2 ;;
	-u) user=${2:?-u needs a user}; shift 2 ;;
	-s) start_in=${2:?-s needs seconds}; shift 2 ;;
	--run-id) run_id=${2:?--run-id needs an id}; shift 2 ;;
	--env-file) env_file=${2:?--env-file needs a file}; shift 2 ;;
	--send-env) send_env=1; shift ;;
	--pdsh) use_pdsh=1; shift ;;
	--ragload) remote_bin=${2:?--ragload needs a path}; shift 2 ;;
	--remote-dir) remote_dir=${2:?--remote-dir needs a directory}; shift 2 ;;
	--local-dir) local_dir=${2:?--local-dir needs a directory}; shift 2 ;;
	--rsync) use_rsync=1; shift ;;
	--dry-run) dry_run=1; shift ;;
	--no-check) check=0; shift ;;
	-h | --help) usage; exit 0 ;;
	--) shift; break ;;
	-*) die "unknown option $1 (see --help)" ;;
	*) hosts+=("$1"); shift ;;
	esac
done
ragload_args=("$@")

((${#hosts[@]} > 0)) || die "no hosts (see --help)"
((${#ragload_args[@]} > 0)) || die "no ragload command after -- (e.g. -- attack --url URL --rate 100 --duration 1m)"
shards=${shards:-${#hosts[@]}}
[[ $shards =~ ^[1-9][0-9]*$ ]] || die "-n: want a positive number of shards, got '$shards'"
[[ $start_in =~ ^[0-9]+$ ]] || die "-s: want whole seconds, got '$start_in'"
for a in "${ragload_args[@]}"; do
	case $a in
	--password | --password=*)
		die "no --password on a command line: export LOAD_TEST_PASSWORD (or use --env-file)" ;;
	--shard | --shard=* | --start-at | --start-at=* | --run-id | --run-id=* | --out | --out=* | -o)
		die "$a is set by $prog for each shard; leave it out" ;;
	esac
done
if [[ -n $env_file && ! -r $env_file ]]; then
	die "--env-file: cannot read $env_file"
fi
if ((use_pdsh)); then
	if command -v pdsh >/dev/null 2>&1; then
		send_env=1
		[[ -z $env_file ]] || die "--env-file needs stdin, which pdsh does not give: use --send-env variables or drop --pdsh"
	else
		printf '%s: pdsh not found; starting the shards with ssh\n' "$prog" >&2
		use_pdsh=0
	fi
fi

run_id=${run_id:-run-$(date -u +%Y%m%d-%H%M%S)}
[[ $run_id =~ ^[A-Za-z0-9._-]+$ ]] || die "run id '$run_id': use letters, digits, '.', '_' and '-'"
nhosts=${#hosts[@]}
run_dir=$local_dir/$run_id
uniq_hosts=() # the hosts, each once, in order
for h in "${hosts[@]}"; do
	seen=0
	for u in ${uniq_hosts[@]+"${uniq_hosts[@]}"}; do
		[[ $u != "$h" ]] || seen=1
	done
	((seen)) || uniq_hosts+=("$h")
done

base_opts=(-o BatchMode=yes) # for ssh and the copies: never ask for a password
[[ -z $user ]] || base_opts+=(-o "User=$user")
ssh_opts=("${base_opts[@]}")
if ((send_env)); then
	ssh_opts+=(-o SendEnv=LOAD_TEST_EMAIL -o SendEnv=LOAD_TEST_PASSWORD)
fi

# What goes to each shard's environment over stdin: names only here; the
# values are written by env_payload (printf is a builtin: no process, no ps).
env_names=()
if ((!send_env)); then
	for v in LOAD_TEST_EMAIL LOAD_TEST_PASSWORD; do
		[[ -z ${!v:-} ]] || env_names+=("$v")
	done
fi
if [[ -n $env_file ]]; then
	n=0
	while IFS= read -r line || [[ -n $line ]]; do
		n=$((n + 1))
		line=${line%$'\r'}
		case $line in '' | '#'*) continue ;; esac
		# (the line itself is not shown: it may hold a password)
		[[ $line =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || die "$env_file:$n: want KEY=VALUE"
		env_names+=("${line%%=*}")
	done <"$env_file"
fi

# preflight: every host answers, has ragload, and keeps time with this one
# (to the second: enough to catch a host without NTP). Done before the start
# time is chosen, so that a slow check cannot eat into the start delay.
if ((check && !dry_run)); then
	for h in "${uniq_hosts[@]}"; do
		probe="printf 'ragload-probe %s ' \"\$(date +%s)\"; if command -v $(q "$remote_bin") >/dev/null 2>&1; then echo ok; else echo missing; fi"
		before=$(date +%s)
		if ! out=$(ssh "${ssh_opts[@]}" -o ConnectTimeout=10 "$h" "$probe" </dev/null 2>&1); then
			die "$h: ssh failed: ${out//$'\n'/ }"
		fi
		after=$(date +%s)
		[[ $out =~ ragload-probe\ ([0-9]+)\ (ok|missing) ]] || die "$h: unexpected answer to the check: ${out//$'\n'/ }"
		remote_now=${BASH_REMATCH[1]}
		[[ ${BASH_REMATCH[2]} == ok ]] || die "$h: $remote_bin not found on the host's PATH (install it, or give --ragload /path/to/ragload)"
		skew=$((remote_now - (before + after) / 2))
		if ((skew > 2 || skew < -2)); then
			printf '%s: warning: the clock of %s is %+ds off this one: its shards will start that much apart (run NTP: chrony, systemd-timesyncd)\n' "$prog" "$h" "$skew" >&2
		fi
	done
fi

now=$(date +%s)
start_at=$(utc $((now + start_in)))

env_payload() {
	local v line
	if ((!send_env)); then
		for v in LOAD_TEST_EMAIL LOAD_TEST_PASSWORD; do
			[[ -z ${!v:-} ]] || printf '%s=%s\n' "$v" "${!v}"
		done
	fi
	if [[ -n $env_file ]]; then
		while IFS= read -r line || [[ -n $line ]]; do
			line=${line%$'\r'}
			case $line in '' | '#'*) continue ;; esac
			printf '%s\n' "$line"
		done <"$env_file"
	fi
}
# The loader on the host: export the KEY=VALUE lines read from stdin,
# literally, then become ragload ("$0" is ragload, "$@" its arguments).
# shellcheck disable=SC2016 # expanded by sh on the host, not here
loader='while IFS= read -r l || [ -n "$l" ]; do case $l in ""|"#"*) ;; *) export "$l" ;; esac; done; exec "$0" "$@"'

# set_shard_args i: sargs becomes ragload's arguments for shard i.
sargs=()
set_shard_args() {
	sargs=("${ragload_args[@]}" --shard "$1/$shards" --start-at "$start_at"
		--run-id "$run_id" --out "$remote_dir/$run_id/shard-$1")
}

# remote_cmd i: the command line the host's shell runs for shard i.
remote_cmd() {
	set_shard_args "$1"
	if ((${#env_names[@]} > 0)); then
		qargs sh -c "$loader" "$remote_bin" "${sargs[@]}"
	else
		qargs "$remote_bin" "${sargs[@]}"
	fi
}

show() { # print a command as it would be typed
	printf '%s\n' "$(qargs "$@")"
}

printf '# run %s: %d shard(s) on %d host(s), starting at %s\n' "$run_id" "$shards" "$nhosts" "$start_at"
if ((${#env_names[@]} > 0)); then
	printf '# environment sent on stdin to each shard: %s (values not shown)\n' "${env_names[*]}"
elif ((send_env)); then
	printf '# environment sent by ssh SendEnv: LOAD_TEST_EMAIL LOAD_TEST_PASSWORD (hosts need AcceptEnv)\n'
fi

pids=() pid_shards=()
# shellcheck disable=SC2317 # called by trap
cleanup() {
	local p
	for p in ${pids[@]+"${pids[@]}"}; do
		kill "$p" 2>/dev/null || true
	done
	printf '%s: interrupted; shards already started on the hosts run until their --duration ends\n' "$prog" >&2
	exit 130
}

# ---- start ----------------------------------------------------------------
((dry_run)) || mkdir -p "$run_dir/logs"
if ((use_pdsh)); then
	# One pdsh -R exec over the distinct hosts. pdsh puts each host's name
	# where %h is; the script on the host ($0) picks that host's shards from
	# a case table, starts them together and exits with the worst status.
	# shellcheck disable=SC2016 # for the host's shell
	script='case $0 in '
	for h in "${uniq_hosts[@]}"; do
		script+="$(q "$h"))"
		for ((i = 0; i < shards; i++)); do
			[[ ${hosts[i % nhosts]} == "$h" ]] || continue
			set_shard_args "$i"
			script+=" $(qargs "$remote_bin" "${sargs[@]}") & pids=\"\$pids \$!\";"
		done
		script+=' ;; '
	done
	# shellcheck disable=SC2016 # for the host's shell
	script+='*) echo "no shards for host $0" >&2; exit 2 ;; esac; rc=0; '
	# shellcheck disable=SC2016
	script+='for p in $pids; do wait "$p" || { e=$?; [ "$e" -gt "$rc" ] && rc=$e; }; done; exit $rc'
	rcmd="sh -c $(q "pids=; $script")"
	rcmd="${rcmd//%/%%} '%h'" # pdsh expands %-sequences: keep the command's own
	wlist=$(IFS=,; printf '%s' "${uniq_hosts[*]}")
	cmd=(pdsh -R exec -f "${#uniq_hosts[@]}" -w "$wlist" ssh "${ssh_opts[@]}" %h "$rcmd")
	if ((dry_run)); then
		show "${cmd[@]}"
	else
		trap cleanup INT TERM
		printf '# starting with pdsh; output in %s\n' "$run_dir/logs/pdsh.log"
		set +e
		"${cmd[@]}" >"$run_dir/logs/pdsh.log" 2>&1
		worst=$?
		set -e
		trap - INT TERM
		printf '# pdsh ended with status %d\n' "$worst"
	fi
else
	for ((i = 0; i < shards; i++)); do
		h=${hosts[i % nhosts]}
		cmd=(ssh "${ssh_opts[@]}" "$h" "$(remote_cmd "$i")")
		if ((dry_run)); then
			if ((${#env_names[@]} > 0)); then
				printf '%s  # stdin: %s\n' "$(qargs "${cmd[@]}")" "${env_names[*]}"
			else
				show "${cmd[@]}"
			fi
			continue
		fi
		log=$run_dir/logs/shard-$i.log
		if ((${#env_names[@]} > 0)); then
			env_payload | "${cmd[@]}" >"$log" 2>&1 &
		else
			"${cmd[@]}" </dev/null >"$log" 2>&1 &
		fi
		pids+=("$!")
		pid_shards+=("$i")
		printf '# shard %d/%d started on %s (log: %s)\n' "$i" "$shards" "$h" "$log"
	done
	if ((!dry_run)); then
		trap cleanup INT TERM
		worst=0
		for k in "${!pids[@]}"; do
			if wait "${pids[k]}"; then rc=0; else rc=$?; fi
			((rc <= worst)) || worst=$rc
			case $rc in
			0) what='verdict passed' ;;
			1) what='verdict failed' ;;
			2) what='bad flags, scenario or credentials' ;;
			3) what='could not start, interrupted or unreadable' ;;
			4) what='verdict not conclusive (its share alone may be too small)' ;;
			255) what='ssh failed' ;;
			*) what='failed' ;;
			esac
			printf '# shard %d ended: exit %d (%s)\n' "${pid_shards[k]}" "$rc" "$what"
		done
		trap - INT TERM
	fi
fi

# ---- gather ---------------------------------------------------------------
for ((i = 0; i < shards; i++)); do
	h=${hosts[i % nhosts]}
	src="$remote_dir/$run_id/shard-$i"
	if ((use_rsync)); then
		cmd=(rsync -a -e "$(qargs ssh "${base_opts[@]}")" "$h:$src" "$run_dir/")
	else
		cmd=(scp -r -q "${base_opts[@]}" "$h:$src" "$run_dir/")
	fi
	if ((dry_run)); then
		show "${cmd[@]}"
	elif ! "${cmd[@]}" </dev/null; then
		printf '%s: could not gather shard %d from %s:%s (the report will name it missing)\n' "$prog" "$i" "$h" "$src" >&2
	fi
done

# ---- merge ----------------------------------------------------------------
printf '# merge the shards:\n%s\n' "ragload report $(q "$run_dir")/shard-*"
if ((dry_run)); then
	exit 0
fi
if command -v ragload >/dev/null 2>&1; then
	shopt -s nullglob
	dirs=("$run_dir"/shard-*)
	shopt -u nullglob
	if ((${#dirs[@]} == 0)); then
		printf '%s: no shard was gathered into %s\n' "$prog" "$run_dir" >&2
		exit 3
	fi
	set +e
	ragload report "${dirs[@]}"
	rc=$?
	set -e
	exit "$rc"
fi
printf '# (ragload is not on PATH here: run the command above where it is)\n'
if ((worst > 1)); then exit "$worst"; fi
exit 0
