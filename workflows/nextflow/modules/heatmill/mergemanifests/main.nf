// Joins the manifests of HEATMILL_RUN tasks (shards or --only jobs).
process HEATMILL_MERGEMANIFESTS {
    tag "${meta.id}"
    label 'process_single'

    conda "${moduleDir}/../run/environment.yml"
    container "${ workflow.containerEngine == 'singularity' && !task.ext.singularity_pull_docker_container ?
        'https://depot.galaxyproject.org/singularity/heatmill:0.1.0--h4349ce8_0' :
        'biocontainers/heatmill:0.1.0--h4349ce8_0' }"

    input:
    tuple val(meta), path(manifests, stageAs: 'manifests/?/*')

    output:
    tuple val(meta), path("${prefix}.manifest.json"), emit: manifest
    tuple val("${task.process}"), val('heatmill'), eval("heatmill --version | sed 's/^heatmill //'"), emit: versions_heatmill, topic: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    heatmill merge-manifests ${manifests} -o ${prefix}.manifest.json
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    touch ${prefix}.manifest.json
    """
}
