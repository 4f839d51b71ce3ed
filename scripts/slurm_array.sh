#!/usr/bin/env bash
# Run a heatmill config as a Slurm job array: one shard per array task.
#
#   sbatch --array=0-15 scripts/slurm_array.sh configs/cohort.toml 16
#
# Each task runs shard (SLURM_ARRAY_TASK_ID mod N) + 1 of N with the CPUs
# Slurm gave it; datasets are dealt round-robin in plan order, so every
# task always gets the same datasets and writes disjoint files. When all
# tasks are done, join their manifests:
#
#   heatmill merge-manifests out/manifest.shard-*-of-16.json
#
#SBATCH --job-name=heatmill
#SBATCH --cpus-per-task=4
#SBATCH --mem=16G
#SBATCH --time=02:00:00
#SBATCH --output=heatmill-%A_%a.log
set -euo pipefail
config=${1:?usage: slurm_array.sh CONFIG.toml N_SHARDS}
shards=${2:?usage: slurm_array.sh CONFIG.toml N_SHARDS}
# Threads follow SLURM_CPUS_PER_TASK; progress goes to the log as lines.
exec heatmill run "$config" --shards "$shards" --max-memory "${SLURM_MEM_PER_NODE:-16000}M"
