// Example: a heatmill config as N shards on any Nextflow executor, then one
// merged manifest.
//
//   nextflow run workflows/nextflow/main.nf --config cohort.toml --data 'data/*.csv' --shards 4
include { HEATMILL_RUN            } from './modules/heatmill/run/main'
include { HEATMILL_MERGEMANIFESTS } from './modules/heatmill/mergemanifests/main'

params.config = null
params.data   = null
params.shards = 1

workflow {
    config = file(params.config, checkIfExists: true)
    data   = Channel.fromPath(params.data, checkIfExists: true).collect()
    shards = Channel.of(1..params.shards as int)
        .map { k -> [id: "shard${k}", shard: "${k}/${params.shards}"] }
    HEATMILL_RUN(shards.combine(data.toList()).map { meta, files -> [meta, config, files] })
    HEATMILL_MERGEMANIFESTS(
        HEATMILL_RUN.out.manifest.map { meta, m -> m }.collect().map { ms -> [[id: 'heatmill'], ms] }
    )
}
