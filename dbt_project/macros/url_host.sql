{#-
    The host of a URL, lower-cased and without `www.` (`https://www.google.com/x` gives
    `google.com`); null when the URL has no scheme (empty referrers). In three steps, for
    successive projections: `url_after_scheme` (what follows `://`), `url_host_part` (up to the
    first `/`, `?`, `#`), `without_www`.
-#}
{% macro url_after_scheme(column) -%}
    case
        when {{ dbt.position("'://'", column) }} > 0
            then substr({{ column }}, {{ dbt.position("'://'", column) }} + 3, 255)
    end
{%- endmacro %}

{% macro url_host_part(rest) -%}
    lower(substr({{ rest }}, 1, coalesce(least(
        nullif({{ dbt.position("'/'", rest) }}, 0),
        nullif({{ dbt.position("'?'", rest) }}, 0),
        nullif({{ dbt.position("'#'", rest) }}, 0)
    ), {{ dbt.length(rest) }} + 1) - 1))
{%- endmacro %}

{% macro without_www(host) -%}
    case when {{ host }} like 'www.%' then substr({{ host }}, 5) else {{ host }} end
{%- endmacro %}


{#- True when `host` is one of `domains` or a subdomain of one (`l.facebook.com` is facebook.com).
    A domain ending in a dot (`google.`) matches any suffix (google.com, google.co.uk). -#}
{% macro host_in(host, domains) -%}
    (
    {%- for domain in domains %}
        {%- if domain.endswith('.') %}
        {{ host }} like '{{ domain }}%' or {{ host }} like '%.{{ domain }}%'
        {%- else %}
        {{ host }} = '{{ domain }}' or {{ host }} like '%.{{ domain }}'
        {%- endif %}
        {%- if not loop.last %} or{% endif %}
    {%- endfor %}
    )
{%- endmacro %}


{#- `values` as a SQL list of string literals. -#}
{% macro quoted_list(values) -%}
    {%- for value in values -%}'{{ value | string | replace("'", "''") }}'{%- if not loop.last %}, {% endif -%}{%- endfor -%}
{%- endmacro %}
