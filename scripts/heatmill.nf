// Nextflow module: one heatmill shard per task. Output paths are a pure
// function of the config and dataset names, so they can be declared.
//
// include { HEATMILL_SHARD; HEATMILL_MERGE } from './heatmill.nf'
// workflow {
//     shards = Channel.of(1..params.shards)
//     HEATMILL_SHARD(file(params.config), shards, params.shards)
//     HEATMILL_MERGE(HEATMILL_SHARD.out.manifest.collect())
// }

process HEATMILL_SHARD {
    tag "shard ${k}/${n}"
    cpus 4
    memory '16 GB'

    input:
    path config
    val k
    val n

    output:
    path "out/**", emit: figures
    path "out/manifest.shard-${k}-of-${n}.json", emit: manifest

    script:
    """
    heatmill run ${config} --out out --shard ${k}/${n} --threads ${task.cpus} --max-memory ${task.memory.toMega()}M
    """

    stub:
    """
    heatmill plan ${config} --out out
    mkdir -p out && touch out/manifest.shard-${k}-of-${n}.json
    """
}

process HEATMILL_MERGE {
    input:
    path manifests

    output:
    path "manifest.json"

    script:
    """
    heatmill merge-manifests ${manifests} -o manifest.json
    """
}
