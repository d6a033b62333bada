{{/* The run's name, checked: pod host names are `<run>-<index>` and must stay under 63. */}}
{{- define "deepspeed-job.name" -}}
{{- if not (regexMatch "^[a-z]([-a-z0-9]{0,50}[a-z0-9])?$" .Values.run) -}}
{{- fail (printf "run %q must be a DNS label of at most 52 characters" .Values.run) -}}
{{- end -}}
{{- .Values.run -}}
{{- end -}}

{{- define "deepspeed-job.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
ml.example.com/run: {{ include "deepspeed-job.name" . }}
{{- end -}}

{{- define "deepspeed-job.labels" -}}
{{ include "deepspeed-job.selectorLabels" . }}
app.kubernetes.io/part-of: ml-platform
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The pinned commit; fails unless it is a full SHA (syncd injects one). */}}
{{- define "deepspeed-job.revision" -}}
{{- $rev := required "source.git.revision is set by syncd: add `sources.code.inject.revision: source.git.revision` to the app" .Values.source.git.revision -}}
{{- if not (regexMatch "^[0-9a-f]{40}$" $rev) -}}
{{- fail (printf "source.git.revision %q is not a commit SHA: training code must be pinned" $rev) -}}
{{- end -}}
{{- $rev -}}
{{- end -}}
