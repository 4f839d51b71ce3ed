#!/usr/bin/env bash
# Run a heatmill config as a Slurm job array: one shard per array task.
#
#   sbatch --array=0-15 --cpus-per-task=4 --mem=8G scripts/slurm_array.sh configs/cohort.toml
#   sbatch --array=0-7:2 --mem-per-cpu=2G       scripts/slurm_array.sh configs/cohort.toml --out /scratch/out
#
# Arguments: CONFIG [N_SHARDS] [heatmill run options]. HEATMILL names the
# binary when it is not `heatmill` on PATH (sbatch --export=ALL,HEATMILL=…).
#
# The number of shards is the array's task count (SLURM_ARRAY_TASK_COUNT;
# give it as the second argument to override), and each task runs the shard
# its place in the array gives (SLURM_ARRAY_TASK_ID, _MIN, _STEP: a stepped
# array runs every shard once). Datasets are dealt round-robin in plan
# order, so every task always gets the same datasets and writes disjoint
# files. heatmill takes its threads from SLURM_CPUS_PER_TASK (else
# SLURM_CPUS_ON_NODE) and its memory budget from the allocation
# (SLURM_MEM_PER_NODE, else SLURM_MEM_PER_CPU x CPUs, else the cgroup
# limit): ask for resources with sbatch's own flags (--mem or
# --mem-per-cpu, --cpus-per-task, --time); this script sets none of them
# beyond a default time.
#
# At a time limit Slurm sends SIGTERM and waits KillWait (30 s by default):
# heatmill takes no new job, lets running ones finish, writes the manifest
# and exits 143. Resubmitting the same array does only what is left.
# When all tasks are done, join their manifests:
#
#   heatmill merge-manifests out/manifest.shard-*-of-16.json
#
#SBATCH --job-name=heatmill
#SBATCH --time=02:00:00
#SBATCH --output=heatmill-%A_%a.log
set -euo pipefail
config=${1:?usage: slurm_array.sh CONFIG.toml [N_SHARDS] [heatmill run options, e.g. --out DIR]}
shift
if [[ "${1:-}" =~ ^[0-9]+$ ]]; then
  shards=$1
  shift
else
  shards=${SLURM_ARRAY_TASK_COUNT:?not in a Slurm array: give N_SHARDS}
fi
# exec: heatmill is the job's process and receives Slurm's SIGTERM itself.
# Progress goes to the log as lines.
exec "${HEATMILL:-heatmill}" run "$config" --shards "$shards" "$@"
