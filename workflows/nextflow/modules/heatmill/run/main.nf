// nf-core style module: one `heatmill run` per input tuple — a whole config,
// one shard of it (meta.shard = "K/N"), or one dataset / figure
// (meta.only = "DATASET[/FIGURE]"). Output paths are a pure function of the
// config and the dataset names (`heatmill plan --json` lists them), so
// every output channel is declared by glob under ${prefix}/.
//
// The config's dataset paths are relative to the config: stage the data
// files beside it (the `data` input) and write them as bare names or globs
// (`path = "*.csv"`).
//
// Resources come from the labels (`process_medium`); heatmill takes
// --threads from task.cpus and --max-memory from task.memory. On SIGTERM
// (a scheduler's time limit) it stops between jobs, keeps what finished,
// and exits 143: nf-core's base.config retries 130-145, and the retry
// skips the finished jobs.
process HEATMILL_RUN {
    tag "${meta.id}"
    label 'process_medium'
    label 'error_retry'

    conda "${moduleDir}/environment.yml"
    container "${ workflow.containerEngine == 'singularity' && !task.ext.singularity_pull_docker_container ?
        'https://depot.galaxyproject.org/singularity/heatmill:0.1.0--h4349ce8_0' :
        'biocontainers/heatmill:0.1.0--h4349ce8_0' }"

    input:
    tuple val(meta), path(config), path(data)

    output:
    tuple val(meta), path("${prefix}/**.png")            , emit: png     , optional: true
    tuple val(meta), path("${prefix}/**.svg")            , emit: svg     , optional: true
    tuple val(meta), path("${prefix}/**.pdf")            , emit: pdf     , optional: true
    tuple val(meta), path("${prefix}/**_data/*")         , emit: exports , optional: true
    tuple val(meta), path("${prefix}/**_mqc*")           , emit: multiqc , optional: true
    tuple val(meta), path("${prefix}/manifest*.json")    , emit: manifest
    tuple val("${task.process}"), val('heatmill'), eval("heatmill --version | sed 's/^heatmill //'"), emit: versions_heatmill, topic: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    def shard = meta.shard ? "--shard ${meta.shard}" : ''
    def only = meta.only ? "--only ${meta.only}" : ''
    def memory = task.memory ? "--max-memory ${task.memory.toMega()}MiB" : ''
    """
    heatmill run \\
        ${config} \\
        --out ${prefix} \\
        --threads ${task.cpus} \\
        ${memory} \\
        ${shard} \\
        ${only} \\
        --quiet \\
        ${args}
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    mkdir -p ${prefix}
    touch ${prefix}/manifest.json
    """
}
